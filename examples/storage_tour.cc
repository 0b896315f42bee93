// A tour of setlpp's storage for users coming from SETL: a landing directory read as one
// table, a typed repository whose struct carries SETL's annotations, upserts by its
// compound key, suffixed saves into a partitioned lake, an Excel report, an Arrow IPC
// file and stream for pyarrow, Polars or DuckDB, and a stream to another process.
//
//   storage_tour OUT_DIR
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <unistd.h>

#include <setl/setl.h>

struct Customer {
  std::string name;
  std::string country;
  int64_t orders = 0;
  std::optional<std::string> notes;
};
SETL_SCHEMA(Customer, name, country, orders, notes)
// Stored as customer_name, with a generated _id_key ("FR-ada") and notes compressed.
SETL_ANNOTATE(Customer, setl::engine::column_name("name", "customer_name"),
              setl::engine::compound_key("country", "id", 1),
              setl::engine::compound_key("name", "id", 2), setl::engine::compress("notes"))

int main(int argc, char** argv) {
  using namespace setl::storage;
  using setl::engine::Dataset;
  namespace fs = std::filesystem;
  fs::path out = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "storage-tour";
  fs::remove_all(out);
  fs::create_directories(out / "landing");

  // 1. A landing directory of daily CSV drops, read in parallel as one table.
  std::ofstream(out / "landing" / "2024-03-01.csv") << "name,country,orders\nada,FR,3\nbob,UK,1\n";
  std::ofstream(out / "landing" / "2024-03-02.csv") << "name,country,orders\neve,FR,7\nada,FR,4\n";
  auto landing = make_connector<FileSetConnector>(
      out / "landing", FileSetOptions{.format = FileFormat::kCsv, .source_column = "file"});
  std::cout << "landing: " << landing->files().size() << " files, " << landing->read().num_rows()
            << " rows\n";

  // 2. A typed repository; the later drop of ada/FR replaces the earlier one by key.
  Repository<Customer> customers(make_connector<SqliteConnector>(out / "crm.db", "customers"));
  for (const fs::path& file : landing->files()) {
    auto day = make_connector<CsvConnector>(file);
    customers.update(Dataset<Customer>(day->read().with_column(
        "notes", setl::engine::lit(std::string("from ") + file.filename().string()))));
  }
  std::cout << "stored columns: " << customers.schema()->to_string() << "\n";
  for (const Customer& c : customers.find_by("country = 'FR'")) {
    std::cout << "  " << c.name << " (" << c.country << "): " << c.orders << " orders, "
              << c.notes.value_or("-") << "\n";
  }

  // 3. Suffixed saves into a partitioned lake: each day replaces only its own rows.
  Repository<Customer> lake(make_connector<PartitionedConnector>(
      out / "lake", PartitionFormat::kParquet, std::vector<std::string>{"country"}));
  lake.save(customers.find_all(), SaveMode::kOverwrite, "2024-03-02");
  lake.save(customers.find_by("orders > 3"), SaveMode::kOverwrite, "2024-03-03");
  std::cout << "lake partitions:";
  for (const std::string& partition : lake.list_partitions()) {
    std::cout << " " << partition;
  }
  std::cout << "\n";

  // 4. An Excel report at B2 of a named sheet, as a spreadsheet user expects it.
  auto report = make_connector<ExcelConnector>(out / "report.xlsx",
                                               ExcelOptions{.data_address = "'Top customers'!B2"});
  report->write(customers.find_by("orders >= 3").table().select({"name", "country", "orders"}),
                SaveMode::kOverwrite);
  std::cout << "report sheets: " << excel_sheet_names(out / "report.xlsx").front() << ", "
            << report->read().num_rows() << " rows read back\n";

  // 5. Arrow IPC for the Python and R side: a file pyarrow.feather or polars.read_ipc
  // opens, read back memory-mapped, and the same rows as a zstd-compressed stream, as a
  // pipe or a socket would carry them (".arrows" is the stream format's usual name).
  setl::engine::Table all = customers.find_all().table();
  write_arrow_ipc_file(all, out / "customers.arrow", {.metadata = {{"origin", "setlpp"}}});
  ArrowIpcData mapped = read_arrow_ipc_file(out / "customers.arrow");
  {
    std::ofstream pipe(out / "customers.arrows", std::ios::binary);
    write_arrow_ipc_stream(all, pipe, {.compression = ArrowIpcCompression::kZstd});
  }
  std::ifstream pipe(out / "customers.arrows", std::ios::binary);
  std::cout << "arrow: " << mapped.table.num_rows() << " rows mapped back (origin "
            << mapped.metadata.at("origin") << "), " << read_arrow_ipc_stream(pipe).table.num_rows()
            << " through a stream\n";

  // 6. The rows handed to another process as they are produced, over a pipe: here the
  // consumer is a thread reading the pipe's descriptor (fd:N), as a process started with it
  // would; countries go as an Arrow dictionary (each country once).
  int fds[2];
  if (::pipe(fds) != 0) {
    return 1;
  }
  std::thread consumer([&] {
    auto in = make_connector<ArrowIpcStreamConnector>("fd:" + std::to_string(fds[0]));
    std::cout << "pipe: " << in->read().num_rows() << " rows received as a stream\n";
  });
  {
    setl::FdOutputStream to_consumer(fds[1], setl::FdOwnership::kClose);
    ArrowIpcStreamWriter writer(to_consumer, all.schema(), {.dictionary_columns = {"country"}});
    writer.write(all);
    writer.close();
  }
  consumer.join();
  ::close(fds[0]);
  return 0;
}
