#include "storage/xlsx/xlsx_package.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include <expat.h>
#include <zip.h>

#include "setl/core/error.h"
#include "setl/storage/connector.h"

namespace setl::storage::detail {
namespace {

constexpr int kMaxXmlDepth = 64;

// ---- the zip ------------------------------------------------------------------------

class ZipPackage {
 public:
  explicit ZipPackage(const std::filesystem::path& file) : file_(file) {
    int code = 0;
    archive_ = zip_open(file.c_str(), ZIP_RDONLY, &code);
    if (archive_ == nullptr) {
      zip_error_t error;
      zip_error_init_with_code(&error, code);
      std::string reason = zip_error_strerror(&error);
      zip_error_fini(&error);
      if (code == ZIP_ER_NOENT || code == ZIP_ER_OPEN || code == ZIP_ER_READ) {
        throw IoError("cannot open " + file.string() + ": " + reason);
      }
      throw ParseError(file.string() + " is not an xlsx workbook (a zip package): " + reason);
    }
  }
  ~ZipPackage() { zip_discard(archive_); }
  ZipPackage(const ZipPackage&) = delete;
  ZipPackage& operator=(const ZipPackage&) = delete;

  // The bytes of a part, or nullopt when the package has none of that name. Expansion is
  // checked as it happens, against the decompression limits every reader obeys.
  std::optional<std::string> part(const std::string& name) const {
    zip_int64_t index = zip_name_locate(archive_, name.c_str(), ZIP_FL_NOCASE);
    if (index < 0) {
      return std::nullopt;
    }
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive_, static_cast<zip_uint64_t>(index), 0, &stat) != 0) {
      throw corrupt(name, zip_strerror(archive_));
    }
    int64_t compressed =
        (stat.valid & ZIP_STAT_COMP_SIZE) != 0 ? static_cast<int64_t>(stat.comp_size) : int64_t{0};
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> entry(
        zip_fopen_index(archive_, static_cast<zip_uint64_t>(index), 0), &zip_fclose);
    if (!entry) {
      throw corrupt(name, zip_strerror(archive_));
    }
    DecompressionLimits limits = decompression_limits();
    std::string bytes;
    char buffer[1 << 16];
    while (true) {
      zip_int64_t got = zip_fread(entry.get(), buffer, sizeof buffer);
      if (got < 0) {
        throw corrupt(name, zip_file_strerror(entry.get()));
      }
      if (got == 0) {
        break;
      }
      bytes.append(buffer, static_cast<size_t>(got));
      int64_t expanded = static_cast<int64_t>(bytes.size());
      if (expanded > limits.max_bytes ||
          (expanded > limits.ratio_floor &&
           static_cast<double>(expanded) > limits.max_ratio * static_cast<double>(compressed))) {
        throw ResourceError(file_.string() + ": part " + name +
                            " expands past the decompression "
                            "limits (" +
                            std::to_string(expanded) + " bytes from " + std::to_string(compressed) +
                            ")");
      }
    }
    return bytes;
  }

  std::string require(const std::string& name) const {
    std::optional<std::string> bytes = part(name);
    if (!bytes) {
      throw ParseError(file_.string() + " is not an xlsx workbook: it has no " + name);
    }
    return *bytes;
  }

  const std::filesystem::path& file() const { return file_; }

 private:
  ParseError corrupt(const std::string& name, const char* reason) const {
    return ParseError(file_.string() + ": part " + name + " is corrupt: " + reason);
  }
  std::filesystem::path file_;
  zip_t* archive_ = nullptr;
};

// ---- XML ----------------------------------------------------------------------------

// "x:c" -> "c": producers may prefix SpreadsheetML's names.
std::string_view local_name(std::string_view name) {
  size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

using Attributes = const XML_Char**;

std::optional<std::string_view> attribute(Attributes attributes, std::string_view wanted) {
  for (size_t i = 0; attributes[i] != nullptr; i += 2) {
    if (local_name(attributes[i]) == wanted) {
      return std::string_view(attributes[i + 1]);
    }
  }
  return std::nullopt;
}

// Element events of one part; the handler sees local names and the open path's depth.
struct XmlHandler {
  std::function<void(std::string_view name, Attributes attributes)> start;
  std::function<void(std::string_view name)> end;
  std::function<void(std::string_view text)> text;
};

class XmlParse {
 public:
  XmlParse(const ZipPackage& package, std::string part, XmlHandler handler)
      : package_(package), part_(std::move(part)), handler_(std::move(handler)) {}

  void run(const std::string& bytes) {
    std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
        XML_ParserCreate("UTF-8"), &XML_ParserFree);
    if (!parser) {
      throw ResourceError("cannot create an XML parser");
    }
    parser_ = parser.get();
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &XmlParse::on_start, &XmlParse::on_end);
    XML_SetCharacterDataHandler(parser_, &XmlParse::on_text);
    // SpreadsheetML has no DTD: one is refused before any entity can be declared.
    XML_SetStartDoctypeDeclHandler(parser_, &XmlParse::on_doctype);
    if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
      throw ResourceError(package_.file().string() + ": part " + part_ + " is too large");
    }
    XML_Status status = XML_Parse(parser_, bytes.data(), static_cast<int>(bytes.size()), 1);
    if (failure_) {
      std::rethrow_exception(failure_);
    }
    if (status != XML_STATUS_OK) {
      throw ParseError(package_.file().string() + ": part " + part_ + " line " +
                       std::to_string(XML_GetCurrentLineNumber(parser_)) + ": " +
                       XML_ErrorString(XML_GetErrorCode(parser_)));
    }
  }

 private:
  template <class Action>
  static void guarded(void* data, Action&& action) {
    auto* self = static_cast<XmlParse*>(data);
    if (self->failure_) {
      return;
    }
    try {
      action(*self);
    } catch (...) {
      self->failure_ = std::current_exception();
      XML_StopParser(self->parser_, XML_FALSE);
    }
  }
  static void on_start(void* data, const XML_Char* name, const XML_Char** attributes) {
    guarded(data, [&](XmlParse& self) {
      if (++self.depth_ > kMaxXmlDepth) {
        throw ParseError(self.package_.file().string() + ": part " + self.part_ +
                         " nests elements deeper than " + std::to_string(kMaxXmlDepth));
      }
      if (self.handler_.start) {
        self.handler_.start(local_name(name), attributes);
      }
    });
  }
  static void on_end(void* data, const XML_Char* name) {
    guarded(data, [&](XmlParse& self) {
      --self.depth_;
      if (self.handler_.end) {
        self.handler_.end(local_name(name));
      }
    });
  }
  static void on_text(void* data, const XML_Char* text, int length) {
    guarded(data, [&](XmlParse& self) {
      if (self.handler_.text) {
        self.handler_.text(std::string_view(text, static_cast<size_t>(length)));
      }
    });
  }
  static void on_doctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    guarded(data, [](XmlParse& self) -> void {
      throw ParseError(self.package_.file().string() + ": part " + self.part_ +
                       " declares a DOCTYPE, which xlsx parts never do");
    });
  }

  const ZipPackage& package_;
  std::string part_;
  XmlHandler handler_;
  XML_Parser parser_ = nullptr;
  int depth_ = 0;
  std::exception_ptr failure_;
};

void parse_part(const ZipPackage& package, const std::string& part, const std::string& bytes,
                XmlHandler handler) {
  XmlParse(package, part, std::move(handler)).run(bytes);
}

// ---- workbook, relationships, shared strings, styles --------------------------------

struct SheetEntry {
  std::string name;
  std::string relationship;
};

struct Workbook {
  std::vector<SheetEntry> sheets;
  bool date1904 = false;
};

Workbook read_workbook(const ZipPackage& package) {
  Workbook workbook;
  parse_part(
      package, "xl/workbook.xml", package.require("xl/workbook.xml"),
      {[&](std::string_view name, Attributes attributes) {
         if (name == "sheet") {
           workbook.sheets.push_back({std::string(attribute(attributes, "name").value_or("")),
                                      std::string(attribute(attributes, "id").value_or(""))});
         } else if (name == "workbookPr") {
           std::string_view flag = attribute(attributes, "date1904").value_or("0");
           workbook.date1904 = flag == "1" || flag == "true";
         }
       },
       nullptr, nullptr});
  return workbook;
}

// Relationship id -> part name ("xl/worksheets/sheet1.xml").
std::map<std::string, std::string> read_relationships(const ZipPackage& package) {
  std::map<std::string, std::string> targets;
  std::string part = "xl/_rels/workbook.xml.rels";
  parse_part(package, part, package.require(part),
             {[&](std::string_view name, Attributes attributes) {
                if (name != "Relationship") {
                  return;
                }
                std::string target(attribute(attributes, "Target").value_or(""));
                target = target.starts_with("/") ? target.substr(1) : "xl/" + target;
                targets[std::string(attribute(attributes, "Id").value_or(""))] = target;
              },
              nullptr, nullptr});
  return targets;
}

std::vector<std::string> read_shared_strings(const ZipPackage& package) {
  std::vector<std::string> strings;
  std::optional<std::string> bytes = package.part("xl/sharedStrings.xml");
  if (!bytes) {
    return strings;
  }
  bool in_text = false;
  bool in_phonetic = false;  // <rPh> runs are reading aids, not the value
  parse_part(package, "xl/sharedStrings.xml", *bytes,
             {[&](std::string_view name, Attributes) {
                if (name == "si") {
                  strings.emplace_back();
                } else if (name == "rPh") {
                  in_phonetic = true;
                } else if (name == "t") {
                  in_text = !in_phonetic && !strings.empty();
                }
              },
              [&](std::string_view name) {
                if (name == "t") {
                  in_text = false;
                } else if (name == "rPh") {
                  in_phonetic = false;
                }
              },
              [&](std::string_view text) {
                if (in_text) {
                  strings.back().append(text);
                }
              }});
  return strings;
}

// Whether a number format shows a date or time: the built-in ids, or a code with date or
// time letters outside quoted text, escapes and [colour]/[condition] sections.
bool is_date_format(int id, const std::string& code) {
  if ((id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
      (id >= 50 && id <= 58)) {
    return true;
  }
  if (code.empty()) {
    return false;
  }
  bool quoted = false;
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (quoted) {
      continue;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is literal
    } else if (c == '[') {
      size_t close = code.find(']', i);
      std::string section = code.substr(i + 1, close == std::string::npos ? 0 : close - i - 1);
      if (section == "h" || section == "hh" || section == "m" || section == "mm" ||
          section == "s" || section == "ss") {
        return true;  // elapsed time
      }
      i = close == std::string::npos ? code.size() : close;
    } else if (std::string_view("dDmMyYhHsS").find(c) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

// For each cell style (index into cellXfs), whether it shows dates.
std::vector<bool> read_date_styles(const ZipPackage& package) {
  std::vector<bool> dates;
  std::optional<std::string> bytes = package.part("xl/styles.xml");
  if (!bytes) {
    return dates;
  }
  std::map<int, std::string> codes;
  std::vector<int> style_formats;
  bool in_cell_xfs = false;
  auto number = [](std::string_view text) {
    int value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size() ? value : -1;
  };
  parse_part(package, "xl/styles.xml", *bytes,
             {[&](std::string_view name, Attributes attributes) {
                if (name == "numFmt") {
                  codes[number(attribute(attributes, "numFmtId").value_or(""))] =
                      std::string(attribute(attributes, "formatCode").value_or(""));
                } else if (name == "cellXfs") {
                  in_cell_xfs = true;
                } else if (name == "xf" && in_cell_xfs) {
                  style_formats.push_back(number(attribute(attributes, "numFmtId").value_or("0")));
                }
              },
              [&](std::string_view name) {
                if (name == "cellXfs") {
                  in_cell_xfs = false;
                }
              },
              nullptr});
  for (int id : style_formats) {
    auto code = codes.find(id);
    dates.push_back(is_date_format(id, code == codes.end() ? "" : code->second));
  }
  return dates;
}

// ---- the sheet ----------------------------------------------------------------------

class SheetReader {
 public:
  SheetReader(const ZipPackage& package, std::string part, const std::vector<std::string>& strings,
              const std::vector<bool>& date_styles)
      : package_(package), part_(std::move(part)), strings_(strings), date_styles_(date_styles) {}

  std::vector<XlsxCell> read(const std::string& bytes) {
    parse_part(package_, part_, bytes,
               {[&](std::string_view name, Attributes a) { start(name, a); },
                [&](std::string_view name) { end(name); },
                [&](std::string_view text) {
                  if (in_value_) {
                    value_.append(text);
                  }
                }});
    return std::move(cells_);
  }

 private:
  void start(std::string_view name, Attributes attributes) {
    if (name == "row") {
      if (auto r = attribute(attributes, "r")) {
        int64_t number = 0;
        auto [end, error] = std::from_chars(r->data(), r->data() + r->size(), number);
        if (error != std::errc() || end != r->data() + r->size() || number < 1 ||
            number > kXlsxMaxRows || number - 1 < row_) {
          fail("row number '" + std::string(*r) + "' is not valid here");
        }
        row_ = number - 1;
      } else {
        ++row_;
      }
      column_ = -1;
    } else if (name == "c") {
      in_cell_ = true;
      value_.clear();
      has_value_ = false;
      type_ = std::string(attribute(attributes, "t").value_or("n"));
      style_ = -1;
      if (auto s = attribute(attributes, "s")) {
        std::from_chars(s->data(), s->data() + s->size(), style_);
      }
      if (auto r = attribute(attributes, "r")) {
        int64_t row = 0;
        int64_t column = 0;
        if (!parse_cell_reference(*r, row, column) || row != std::max<int64_t>(row_, 0) ||
            column <= column_) {
          fail("cell reference '" + std::string(*r) + "' is not valid here");
        }
        column_ = column;
      } else if (++column_ >= kXlsxMaxColumns) {
        fail("a row has more than " + std::to_string(kXlsxMaxColumns) + " columns");
      }
      row_ = std::max<int64_t>(row_, 0);
    } else if (in_cell_ && (name == "v" || (name == "t" && type_ == "inlineStr"))) {
      in_value_ = true;
      has_value_ = true;
    }
  }

  void end(std::string_view name) {
    if (name == "v" || name == "t") {
      in_value_ = false;
    } else if (name == "c") {
      in_cell_ = false;
      if (has_value_) {
        add_cell();
      }
    }
  }

  void add_cell() {
    XlsxCell cell;
    cell.row = row_;
    cell.column = column_;
    if (type_ == "s") {
      size_t index = 0;
      auto [end, error] = std::from_chars(value_.data(), value_.data() + value_.size(), index);
      if (error != std::errc() || end != value_.data() + value_.size() ||
          index >= strings_.size()) {
        fail("cell " + where() + " names shared string '" + value_ + "', which does not exist");
      }
      cell.text = strings_[index];
    } else if (type_ == "b") {
      cell.kind = XlsxCell::Kind::kBool;
      cell.number = value_ == "1" || value_ == "true" ? 1 : 0;
    } else if (type_ == "n") {
      cell.kind = XlsxCell::Kind::kNumber;
      char* end = nullptr;
      cell.number = std::strtod(value_.c_str(), &end);
      if (value_.empty() || end != value_.c_str() + value_.size() || !std::isfinite(cell.number)) {
        fail("cell " + where() + " holds '" + value_ + "', which is not a number");
      }
      cell.date = style_ >= 0 && static_cast<size_t>(style_) < date_styles_.size() &&
                  date_styles_[static_cast<size_t>(style_)];
    } else {
      cell.text = value_;  // str (a formula's text), inlineStr, e (an error such as #DIV/0!), d
    }
    cells_.push_back(std::move(cell));
  }

  std::string where() const {
    std::string letters;
    for (int64_t c = column_ + 1; c > 0; c = (c - 1) / 26) {
      letters.insert(letters.begin(), static_cast<char>('A' + (c - 1) % 26));
    }
    return letters + std::to_string(row_ + 1);
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw ParseError(package_.file().string() + ": " + part_ + ": " + why);
  }

  const ZipPackage& package_;
  std::string part_;
  const std::vector<std::string>& strings_;
  const std::vector<bool>& date_styles_;
  std::vector<XlsxCell> cells_;
  int64_t row_ = -1;
  int64_t column_ = -1;
  bool in_cell_ = false;
  bool in_value_ = false;
  bool has_value_ = false;
  std::string type_;
  int style_ = -1;
  std::string value_;
};

}  // namespace

bool parse_cell_reference(std::string_view reference, int64_t& row, int64_t& column) {
  size_t at = 0;
  int64_t letters = 0;
  while (at < reference.size() && reference[at] >= 'A' && reference[at] <= 'Z') {
    letters = letters * 26 + (reference[at] - 'A' + 1);
    if (letters > kXlsxMaxColumns) {
      return false;
    }
    ++at;
  }
  if (at == 0 || at == reference.size()) {
    return false;
  }
  int64_t number = 0;
  auto [end, error] =
      std::from_chars(reference.data() + at, reference.data() + reference.size(), number);
  if (error != std::errc() || end != reference.data() + reference.size() || number < 1 ||
      number > kXlsxMaxRows) {
    return false;
  }
  row = number - 1;
  column = letters - 1;
  return true;
}

std::vector<std::string> xlsx_sheet_names(const std::filesystem::path& file) {
  ZipPackage package(file);
  std::vector<std::string> names;
  for (const SheetEntry& sheet : read_workbook(package).sheets) {
    names.push_back(sheet.name);
  }
  return names;
}

XlsxSheet read_xlsx_sheet(const std::filesystem::path& file, const std::string& sheet) {
  ZipPackage package(file);
  Workbook workbook = read_workbook(package);
  if (workbook.sheets.empty()) {
    throw ParseError(file.string() + ": the workbook lists no sheet");
  }
  auto found = sheet.empty() ? workbook.sheets.begin()
                             : std::find_if(workbook.sheets.begin(), workbook.sheets.end(),
                                            [&](const SheetEntry& e) { return e.name == sheet; });
  if (found == workbook.sheets.end()) {
    std::string list;
    for (const SheetEntry& entry : workbook.sheets) {
      list += (list.empty() ? "'" : ", '") + entry.name + "'";
    }
    throw ParseError(file.string() + " has no sheet '" + sheet + "' (sheets: " + list + ")");
  }
  std::map<std::string, std::string> targets = read_relationships(package);
  auto target = targets.find(found->relationship);
  if (target == targets.end()) {
    throw ParseError(file.string() + ": sheet '" + found->name + "' has no part (relationship '" +
                     found->relationship + "')");
  }
  std::vector<std::string> strings = read_shared_strings(package);
  std::vector<bool> date_styles = read_date_styles(package);
  XlsxSheet result{found->name, workbook.date1904, {}};
  result.cells = SheetReader(package, target->second, strings, date_styles)
                     .read(package.require(target->second));
  return result;
}

}  // namespace setl::storage::detail
