// Excel reader: an .xlsx package (zip, then SpreadsheetML parts parsed with expat). The
// input is either a whole file (first byte odd) or the parts of a package separated by
// NUL bytes (sheet, shared strings, styles, workbook), zipped here so that the fuzzer
// spends its time in the XML rather than in the zip's checksums.
#include <zip.h>

#include "fuzz_support.h"
#include "setl/storage/excel_connector.h"

namespace {

std::string part(std::string_view body, size_t index, std::string fallback) {
  size_t start = 0;
  for (size_t i = 0; i < index; ++i) {
    start = body.find('\0', start);
    if (start == std::string_view::npos) {
      return fallback;
    }
    ++start;
  }
  size_t end = body.find('\0', start);
  return std::string(body.substr(start, end == std::string_view::npos ? body.npos : end - start));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::filesystem::path path;
  if (!body.empty() && (body[0] & 1) != 0) {
    path = setl::fuzz::scratch_file(body.substr(1), "input.xlsx");
  } else {
    std::string_view parts = body.empty() ? body : body.substr(1);
    std::string texts[] = {
        part(parts, 0, "<worksheet><sheetData/></worksheet>"), part(parts, 1, "<sst/>"),
        part(parts, 2, "<styleSheet/>"),
        part(parts, 3,
             "<workbook><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>")};
    const char* names[] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml",
                           "xl/workbook.xml"};
    path = setl::fuzz::scratch_file("", "package.xlsx");
    int error = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (archive == nullptr) {
      return 0;
    }
    for (size_t i = 0; i < 4; ++i) {
      zip_source_t* source = zip_source_buffer(archive, texts[i].data(), texts[i].size(), 0);
      zip_file_add(archive, names[i], source, ZIP_FL_OVERWRITE);
    }
    std::string rels =
        "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/>"
        "</Relationships>";
    zip_file_add(archive, "xl/_rels/workbook.xml.rels",
                 zip_source_buffer(archive, rels.data(), rels.size(), 0), ZIP_FL_OVERWRITE);
    if (zip_close(archive) != 0) {
      zip_discard(archive);
      return 0;
    }
  }
  setl::fuzz::expect_only_setl_errors([&] {
    for (bool header : {true, false}) {
      setl::storage::ExcelOptions options;
      options.header = header;
      static_cast<void>(
          setl::storage::make_connector<setl::storage::ExcelConnector>(path, options)->read());
    }
  });
  return 0;
}
