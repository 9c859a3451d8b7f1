#include "sweeps/grid.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "harness/config/config.h"
#include "harness/config/config_file.h"
#include "harness/config/yaml_json.h"
#include "harness/util/errors.h"
#include "harness/util/hashing.h"

namespace gatelab::sweeps {

namespace {

using json = nlohmann::json;

// One key set to one value, with where the file said so.
struct Setting {
  std::string path;
  json value;
  YAML::Mark mark;
};
using Settings = std::vector<Setting>;

constexpr size_t kMaxSweepNameBytes = 100;

// Shared with `gatelab run --config FILE` (harness/config/config_file.h): problems with positions, key checks.
using config::checked_value;
using config::Leaf;
using config::Problems;
using config::unknown_key_message;
void collect_leaves(const YAML::Node& map, const std::string& prefix, std::vector<Leaf>& out, Problems& problems) {
  config::collect_yaml_leaves(map, prefix, out, problems);
}

// A partial config (base, an include or exclude entry, the baseline): every leaf a single valid value.
Settings parse_settings(const YAML::Node& map, Problems& problems) {
  std::vector<Leaf> leaves;
  collect_leaves(map, "", leaves, problems);
  Settings out;
  for (const auto& leaf : leaves) {
    if (auto v = checked_value(*config::find_key(leaf.path), leaf.value_node, problems))
      out.push_back({leaf.path, *v, leaf.key_node.Mark()});
  }
  return out;
}

// One axis of the product: a grid key (each option one setting) or a zip group (each option one setting per key).
struct Axis {
  std::vector<Settings> options;
  YAML::Mark mark;
};

// grid/zip leaves: each a non-empty list of valid values.
std::vector<std::pair<Leaf, std::vector<Setting>>> parse_lists(const YAML::Node& map, const std::string& section,
                                                               Problems& problems) {
  std::vector<Leaf> leaves;
  collect_leaves(map, "", leaves, problems);
  std::vector<std::pair<Leaf, std::vector<Setting>>> out;
  for (const auto& leaf : leaves) {
    const auto& spec = *config::find_key(leaf.path);
    if (!leaf.value_node.IsSequence()) {
      problems.add(leaf.value_node.Mark(),
                   fmt::format("{} values of '{}' must be a list, e.g. [a, b]", section, leaf.path));
      continue;
    }
    if (leaf.value_node.size() == 0) {
      problems.add(leaf.value_node.Mark(),
                   fmt::format("{} key '{}' has an empty list: the grid would be empty", section, leaf.path));
      continue;
    }
    std::vector<Setting> values;
    for (const auto& item : leaf.value_node)
      if (auto v = checked_value(spec, item, problems)) values.push_back({leaf.path, *v, item.Mark()});
    out.emplace_back(leaf, std::move(values));
  }
  return out;
}

bool values_equal(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

bool matches(const json& resolved, const Settings& partial) {
  for (const auto& s : partial)
    if (!values_equal(config::at(resolved, s.path), s.value)) return false;
  return true;
}

std::string describe_case(const Settings& settings) {
  if (settings.empty()) return "the base config";
  std::string out;
  for (const auto& s : settings) out += (out.empty() ? "" : ", ") + s.path + "=" + format_value(s.value);
  return out;
}

struct Template {
  std::vector<std::pair<bool, std::string>> parts;  // (is placeholder, text or key path)
};

std::optional<Template> parse_template(const std::string& text, const YAML::Mark& mark, Problems& problems) {
  Template t;
  size_t i = 0;
  bool ok = true;
  while (i < text.size()) {
    size_t open = text.find('{', i);
    if (open == std::string::npos) {
      t.parts.emplace_back(false, text.substr(i));
      break;
    }
    if (open > i) t.parts.emplace_back(false, text.substr(i, open - i));
    size_t close = text.find('}', open);
    if (close == std::string::npos) {
      problems.add(mark, fmt::format("run_name template '{}' has an unclosed '{{'", text));
      return std::nullopt;
    }
    std::string key = text.substr(open + 1, close - open - 1);
    if (key != "sweep" && !config::find_key(key)) {
      problems.add(mark, fmt::format("run_name template: {}", unknown_key_message(key)));
      ok = false;
    }
    t.parts.emplace_back(true, key);
    i = close + 1;
  }
  if (!ok) return std::nullopt;
  return t;
}

std::string render(const Template& t, const json& resolved, const std::string& sweep_name) {
  std::string out;
  for (const auto& [placeholder, text] : t.parts) {
    if (!placeholder) out += text;
    else if (text == "sweep") out += sweep_name;
    else out += format_value(config::at(resolved, text));
  }
  return out;
}

// The default name: the keys the case varied, short names where unambiguous ("gate=gla,seed=1").
// A key's short name: its last component ("gate"), or the parent's where the last says nothing ("task.name": task).
std::string short_key(const std::string& path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos) return path;
  std::string tail = path.substr(dot + 1);
  if (tail != "name") return tail;
  const size_t before = path.rfind('.', dot - 1);
  return path.substr(before == std::string::npos ? 0 : before + 1,
                     dot - (before == std::string::npos ? 0 : before + 1));
}

std::string default_name(const PlannedRun& run, const std::vector<std::string>& varying, const std::string& sweep) {
  std::map<std::string, int> tails;
  for (const auto& path : varying) tails[short_key(path)]++;
  std::string out;
  for (const auto& path : varying) {
    for (const auto& [key, value] : run.case_values) {
      if (key != path) continue;
      // A key out of this run's scope does not tell it apart (softmax runs are not "gate=gla").
      if (const auto* spec = config::find_key(key); spec && !spec->scope.applies(run.config)) continue;
      const std::string tail = short_key(path);
      out += (out.empty() ? "" : ",") + (tails[tail] > 1 ? path : tail) + "=" + format_value(value);
    }
  }
  return out.empty() ? sweep : out;
}

// The grid file as written: every section parsed and checked on its own, with where it was written; nothing is
// expanded or resolved yet.
using Entries = std::vector<std::pair<Settings, YAML::Mark>>;  // include/exclude entries, or expanded cases
struct SweepDocument {
  std::string name;
  YAML::Mark root_mark, grid_mark, run_name_mark, baseline_mark, seeds_mark;
  std::string run_name_text;
  std::optional<Template> name_template;
  Settings base, baseline;
  bool has_baseline = false;
  std::string baseline_name;  // set when the baseline is given as a run name
  std::vector<Axis> axes;
  Entries includes, excludes;
  bool has_seeds = false;
  std::vector<int64_t> seeds;
  std::vector<std::string> varying;  // grid, zip and include keys in file order, then "seed" when seeds vary
  std::map<std::string, YAML::Mark> axis_keys;
  std::string report_metric, report_best_over;

  void note_varying(const std::string& path) {
    if (std::find(varying.begin(), varying.end(), path) == varying.end()) varying.push_back(path);
  }
  // A key may span one axis only: varied twice, the product would set it twice per case.
  bool claim_axis_key(const std::string& path, const YAML::Mark& mark, Problems& problems) {
    if (axis_keys.count(path)) {
      problems.add(mark, fmt::format("key '{}' is varied twice (grid and zip, or two zip groups); vary it once", path));
      return false;
    }
    axis_keys[path] = mark;
    return true;
  }
};

// One top-level entry of the file.
struct Section {
  const std::string& key;
  YAML::Mark mark;  // of the key
  const YAML::Node& value;
};

bool is_config_map(const Section& s, const char* what, Problems& problems) {
  if (s.value.IsMap() || s.value.IsNull()) return true;
  problems.add(s.value.Mark(), fmt::format("'{}' must be a mapping of config keys{}", s.key, what));
  return false;
}

// A sweep name names a folder: letters, digits, '_', '.', '-', starting with a letter or digit, at most 100 bytes.
// (Checked by hand: std::regex_match recurses per character and overflows the stack on long input.)
bool is_sweep_name(const std::string& name) {
  auto plain = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (name.empty() || name.size() > kMaxSweepNameBytes || !plain(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return plain(c) || c == '_' || c == '.' || c == '-'; });
}

void parse_name(const Section& s, SweepDocument& doc, Problems& problems) {
  doc.name = s.value.IsScalar() ? s.value.Scalar() : "";
  if (!is_sweep_name(doc.name))
    problems.add(s.value.Mark(),
                 fmt::format("sweep name '{}' must be 1 to {} letters, digits, '_', '.', '-' (it names "
                             "a folder)",
                             doc.name.substr(0, 60) + (doc.name.size() > 60 ? "..." : ""), kMaxSweepNameBytes));
}

void parse_description(const Section&, SweepDocument&, Problems&) {
  // Free text for people; stored with the file's text.
}

void parse_run_name(const Section& s, SweepDocument& doc, Problems& problems) {
  if (!s.value.IsScalar() || s.value.Scalar().empty())
    problems.add(s.value.Mark(), "'run_name' must be a template string, e.g. \"{model.attn.gate}-s{seed}\"");
  else doc.run_name_text = s.value.Scalar(), doc.run_name_mark = s.value.Mark();
}

void parse_base(const Section& s, SweepDocument& doc, Problems& problems) {
  if (is_config_map(s, " (a run config)", problems) && s.value.IsMap()) doc.base = parse_settings(s.value, problems);
}

// Each grid key is one axis of the product, each of its values one option.
void parse_grid(const Section& s, SweepDocument& doc, Problems& problems) {
  doc.grid_mark = s.mark;
  if (!is_config_map(s, " to lists", problems)) return;
  if (!s.value.IsMap() || s.value.size() == 0) {
    problems.add(s.mark, "'grid' is empty: give at least one key with a list of values, or drop 'grid'");
    return;
  }
  for (auto& [leaf, values] : parse_lists(s.value, "grid", problems)) {
    if (!doc.claim_axis_key(leaf.path, leaf.key_node.Mark(), problems)) continue;
    doc.note_varying(leaf.path);
    Axis axis{{}, leaf.key_node.Mark()};
    for (auto& v : values) axis.options.push_back({v});
    doc.axes.push_back(std::move(axis));
  }
}

// A zip group is one axis: option i sets every key of the group to its i-th value.
void parse_zip_group(const YAML::Node& group, SweepDocument& doc, Problems& problems) {
  if (!group.IsMap() || group.size() == 0) {
    problems.add(group.Mark(), "a zip group must be a non-empty mapping of keys to equal-length lists");
    return;
  }
  auto lists = parse_lists(group, "zip", problems);
  if (lists.empty()) return;
  bool equal = true;
  std::string lengths;
  for (const auto& [leaf, values] : lists) {
    lengths += fmt::format("{}{} has {}", lengths.empty() ? "" : ", ", leaf.path, leaf.value_node.size());
    if (leaf.value_node.size() != lists.front().first.value_node.size()) equal = false;
  }
  if (!equal) {
    problems.add(group.Mark(), fmt::format("zip lists must have equal lengths: {}", lengths));
    return;
  }
  bool complete = true;  // every value valid and every key claimed (each key is still reported once)
  for (const auto& [leaf, values] : lists) {
    complete = complete && values.size() == leaf.value_node.size();
    complete = doc.claim_axis_key(leaf.path, leaf.key_node.Mark(), problems) && complete;
    doc.note_varying(leaf.path);
  }
  if (!complete) return;
  Axis axis{{}, group.Mark()};
  for (size_t i = 0; i < lists.front().second.size(); ++i) {
    Settings option;
    for (const auto& [leaf, values] : lists) option.push_back(values[i]);
    axis.options.push_back(std::move(option));
  }
  doc.axes.push_back(std::move(axis));
}

void parse_zip(const Section& s, SweepDocument& doc, Problems& problems) {
  std::vector<YAML::Node> groups;
  if (s.value.IsMap()) groups.push_back(s.value);
  else if (s.value.IsSequence())
    for (const auto& g : s.value) groups.push_back(g);
  else problems.add(s.value.Mark(), "'zip' must be a mapping of keys to equal-length lists, or a list of them");
  for (const auto& group : groups) parse_zip_group(group, doc, problems);
}

// include and exclude: lists of partial configs.
void parse_entries(const Section& s, SweepDocument& doc, Problems& problems) {
  if (!s.value.IsSequence()) {
    problems.add(s.value.Mark(),
                 fmt::format("'{}' must be a list of partial configs, e.g. - {{model.attn.kind: softmax}}", s.key));
    return;
  }
  const bool include = s.key == "include";
  for (const auto& entry : s.value) {
    if (!entry.IsMap() || entry.size() == 0) {
      problems.add(entry.Mark(), fmt::format("an '{}' entry must be a non-empty mapping of config keys", s.key));
      continue;
    }
    Settings settings = parse_settings(entry, problems);
    if (include)
      for (const auto& setting : settings) doc.note_varying(setting.path);
    (include ? doc.includes : doc.excludes).emplace_back(std::move(settings), entry.Mark());
  }
}

void parse_seeds(const Section& s, SweepDocument& doc, Problems& problems) {
  doc.has_seeds = true;
  doc.seeds_mark = s.value.Mark();
  json v;
  try {
    v = config::yaml_to_json(s.value);
  } catch (const UserError& e) {
    problems.add(s.value.Mark(), e.what());
    return;
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 1) {
    for (int64_t seed = 0; seed < v.get<int64_t>(); ++seed) doc.seeds.push_back(seed);
  } else if (v.is_array() && !v.empty()) {
    for (const auto& seed : v) {
      if (!seed.is_number_integer() || seed.get<int64_t>() < 0) {
        problems.add(s.value.Mark(), fmt::format("seeds must be non-negative integers, got {}", seed.dump()));
        break;
      }
      if (std::find(doc.seeds.begin(), doc.seeds.end(), seed.get<int64_t>()) != doc.seeds.end())
        problems.add(s.value.Mark(), fmt::format("seed {} is listed twice", seed.dump()));
      doc.seeds.push_back(seed.get<int64_t>());
    }
  } else {
    problems.add(s.value.Mark(), "'seeds' must be a count (seeds: 3 means 0, 1, 2) or a non-empty list of integers");
  }
}

void parse_report(const Section& s, SweepDocument& doc, Problems& problems) {
  if (!s.value.IsMap()) {
    problems.add(s.value.Mark(), "'report' must be a mapping like {metric: accuracy, best_over: train.lr}");
    return;
  }
  for (const auto& item : s.value) {
    const std::string field = item.first.as<std::string>();
    const std::string text = item.second.IsScalar() ? item.second.Scalar() : "";
    if (field == "metric") {
      doc.report_metric = text;
      if (text.empty())
        problems.add(item.second.Mark(), "report.metric must name a validation metric, e.g. accuracy or bpb");
    } else if (field == "best_over") {
      doc.report_best_over = text;
      if (!config::find_key(text)) problems.add(item.second.Mark(), "report.best_over: " + unknown_key_message(text));
    } else {
      problems.add(item.first.Mark(), unknown_name_message("report field", field, {"metric", "best_over"}));
    }
  }
  if (doc.report_metric.empty()) problems.add(s.mark, "'report' needs a metric, e.g. {metric: accuracy}");
}

void parse_baseline(const Section& s, SweepDocument& doc, Problems& problems) {
  doc.has_baseline = true;
  doc.baseline_mark = s.value.Mark();
  if (s.value.IsScalar() && !s.value.Scalar().empty()) {
    doc.baseline_name = s.value.Scalar();  // a run name, as the plan prints it
    return;
  }
  if (!s.value.IsMap() || s.value.size() == 0) {
    problems.add(s.value.Mark(),
                 "'baseline' must be a partial config matching the baseline run(s), e.g. "
                 "{model.attn.kind: softmax}, or a run name");
    return;
  }
  doc.baseline = parse_settings(s.value, problems);
}

// The top-level keys, in the order messages list them.
using SectionParser = void (*)(const Section&, SweepDocument&, Problems&);
const std::vector<std::pair<std::string, SectionParser>>& section_parsers() {
  static const std::vector<std::pair<std::string, SectionParser>> parsers{
      {"name", parse_name},         {"description", parse_description},
      {"run_name", parse_run_name}, {"base", parse_base},
      {"grid", parse_grid},         {"zip", parse_zip},
      {"include", parse_entries},   {"exclude", parse_entries},
      {"seeds", parse_seeds},       {"baseline", parse_baseline},
      {"report", parse_report}};
  return parsers;
}

void report_unknown_section(const Section& s, Problems& problems) {
  std::vector<std::string> keys;
  for (const auto& [key, parser] : section_parsers()) keys.push_back(key);
  std::string message = fmt::format("unknown top-level key '{}'", s.key);
  std::string nearest = nearest_name(s.key, keys);
  if (!nearest.empty()) message += fmt::format("; did you mean '{}'?", nearest);
  message += " valid:";
  for (size_t i = 0; i < keys.size(); ++i) message += (i ? ", " : " ") + keys[i];
  problems.add(s.mark, message);
}

// The file's root mapping; a syntax error or a root that is not a mapping is thrown at once (nothing else to check).
YAML::Node load_root(const std::string& yaml_text, Problems& problems) {
  YAML::Node root;
  try {
    const std::vector<YAML::Node> documents = YAML::LoadAll(yaml_text);
    if (documents.size() > 1) {
      problems.add(documents[1].Mark(), fmt::format("a grid file holds one YAML document; this one has {} (a stray "
                                                    "'---'?)",
                                                    documents.size()));
      problems.throw_if_any();
    }
    if (!documents.empty()) root = documents.front();
  } catch (const YAML::ParserException& e) {
    problems.add(e.mark, "YAML syntax error: " + e.msg);
    problems.throw_if_any();
  }
  if (!root.IsMap()) {
    problems.add(root.Mark(),
                 "a grid file must be a mapping with keys: name, base, grid, zip, include, exclude, "
                 "seeds, baseline, run_name");
    problems.throw_if_any();
  }
  return root;
}

// Checks that need every section: the seed set twice, the run_name template's keys.
void check_document(SweepDocument& doc, Problems& problems) {
  if (doc.has_seeds) {
    auto sets_seed = [](const Settings& s) {
      return std::any_of(s.begin(), s.end(), [](const Setting& x) { return x.path == "seed"; });
    };
    bool conflict = sets_seed(doc.base) || doc.axis_keys.count("seed");
    for (const auto& [s, m] : doc.includes) conflict = conflict || sets_seed(s);
    if (conflict) problems.add(doc.seeds_mark, "'seeds' and a 'seed' key both set the seed; keep one");
    doc.varying.push_back("seed");
  }
  if (!doc.run_name_text.empty()) doc.name_template = parse_template(doc.run_name_text, doc.run_name_mark, problems);
}

// Parse: YAML text to a checked document. Problems are collected, not thrown (but see load_root).
SweepDocument parse_document(const std::string& yaml_text, const std::string& source_label, Problems& problems) {
  const YAML::Node root = load_root(yaml_text, problems);
  SweepDocument doc;
  doc.name = std::filesystem::path(source_label).stem().string();
  doc.root_mark = doc.grid_mark = root.Mark();
  std::map<std::string, YAML::Mark> seen;
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (!seen.emplace(key, kv.first.Mark()).second) {
      problems.add(kv.first.Mark(),
                   fmt::format("top-level key '{}' is given twice (first at line {})", key, seen.at(key).line + 1));
      continue;
    }
    const Section section{key, kv.first.Mark(), kv.second};
    const auto& parsers = section_parsers();
    auto it = std::find_if(parsers.begin(), parsers.end(), [&](const auto& p) { return p.first == key; });
    if (it == parsers.end()) report_unknown_section(section, problems);
    else it->second(section, doc, problems);
  }
  check_document(doc, problems);
  return doc;
}

// The cap, checked before anything is expanded: the product of the axis lengths, plus the includes, times the
// seeds is what expansion would build (excludes only remove cases afterwards), so an 835,440-run grid is refused
// at once instead of planning for minutes. Saturates rather than overflows.
void check_run_count(const SweepDocument& doc, size_t max_runs, Problems& problems) {
  const size_t huge = std::numeric_limits<size_t>::max();
  auto times = [&](size_t a, size_t b) { return a != 0 && b > huge / a ? huge : a * b; };
  size_t product = doc.axes.empty() ? (doc.includes.empty() ? 1 : 0) : 1;
  std::string factors;
  for (const auto& axis : doc.axes) {
    product = times(product, axis.options.size());
    factors += fmt::format("{}{}", factors.empty() ? "" : " x ", axis.options.size());
  }
  const size_t seeds = doc.has_seeds ? doc.seeds.size() : 1;
  const size_t cases = product > huge - doc.includes.size() ? huge : product + doc.includes.size();
  const size_t runs = times(cases, seeds);
  if (runs <= max_runs) return;
  std::string how = factors.empty() ? "" : "grid " + factors;
  if (!doc.includes.empty()) how += fmt::format("{}{} includes", how.empty() ? "" : " + ", doc.includes.size());
  if (seeds > 1) how = fmt::format("({}) x {} seeds", how, seeds);
  problems.add(doc.grid_mark,
               fmt::format("the grid expands to {} runs ({}{}), more than the cap of {}; split the grid, or raise the "
                           "cap with --max-runs {}",
                           runs == huge ? "over " + std::to_string(huge) : std::to_string(runs), how,
                           doc.excludes.empty() ? "" : ", before excludes", max_runs, runs));
}

// Expand, step 1: the product of the axes in file order (the first axis varies slowest).
Entries product_of_axes(const SweepDocument& doc) {
  Entries cases;
  if (doc.axes.empty()) {
    // No grid: the base config alone is the case (a seed study), unless includes list the cases.
    if (doc.includes.empty()) cases.emplace_back(Settings{}, doc.grid_mark);
    return cases;
  }
  const auto& axes = doc.axes;
  std::vector<size_t> index(axes.size(), 0);
  for (;;) {
    Settings c;
    for (size_t a = 0; a < axes.size(); ++a)
      for (const auto& s : axes[a].options[index[a]]) c.push_back(s);
    cases.emplace_back(std::move(c), doc.grid_mark);
    int a = static_cast<int>(axes.size()) - 1;
    while (a >= 0 && ++index[a] == axes[a].options.size()) index[a--] = 0;
    if (a < 0) break;
  }
  return cases;
}

// Resolves a case (base, then the case's keys, then the seed); a config error points at the key that caused it.
std::optional<json> resolve_case(const SweepDocument& doc, const Settings& settings, const YAML::Mark& origin,
                                 std::optional<int64_t> seed, Problems& problems) {
  json partial = json::object();
  for (const auto& s : doc.base) config::set(partial, s.path, s.value);
  for (const auto& s : settings) config::set(partial, s.path, s.value);
  if (seed) config::set(partial, "seed", *seed);
  try {
    return config::resolve(partial);
  } catch (const config::ConfigError& e) {
    // Point at the key named by the error when this case set it; else at what this case changed (the base
    // alone is fine for the other cases); else at the base key.
    YAML::Mark mark = origin;
    for (const auto& s : doc.base)
      if (s.path == e.key_path()) mark = s.mark;
    if (!settings.empty()) mark = settings.back().mark;
    for (const auto& s : settings)
      if (s.path == e.key_path()) mark = s.mark;
    problems.add(mark, fmt::format("run with {}: {}", describe_case(settings), e.what()));
    return std::nullopt;
  }
}

// Expand, step 2: the product without the cases an exclude entry matches, then the includes (never excluded).
// Every case must resolve before exclusion is judged: an entry's hit count means nothing otherwise.
Entries apply_excludes_and_includes(const SweepDocument& doc, Entries cases, Problems& problems) {
  std::vector<size_t> exclude_hits(doc.excludes.size(), 0);
  Entries kept;
  for (auto& [settings, origin] : cases) {
    auto resolved = resolve_case(doc, settings, origin, std::nullopt, problems);
    if (!resolved) continue;
    bool excluded = false;
    for (size_t e = 0; e < doc.excludes.size(); ++e)
      if (matches(*resolved, doc.excludes[e].first)) {
        ++exclude_hits[e];
        excluded = true;
      }
    if (!excluded) kept.emplace_back(std::move(settings), origin);
  }
  problems.throw_if_any();
  for (size_t e = 0; e < doc.excludes.size(); ++e)
    if (exclude_hits[e] == 0)
      problems.add(doc.excludes[e].second, fmt::format("exclude entry {{{}}} matches no run of the grid",
                                                       describe_case(doc.excludes[e].first)));
  for (const auto& inc : doc.includes) kept.push_back(inc);
  if (kept.empty() && problems.empty()) problems.add(doc.grid_mark, "the grid is empty: every case was excluded");
  return kept;
}

// Expand, step 3, and resolve: every case once per seed (seeds innermost), each resolved and identified by its
// hash; a case that resolves to a run already planned is kept once.
void plan_runs(const SweepDocument& doc, const Entries& cases, SweepPlan& plan, Problems& problems) {
  std::vector<std::optional<int64_t>> seed_list;
  if (doc.has_seeds)
    for (auto s : doc.seeds) seed_list.push_back(s);
  else seed_list.push_back(std::nullopt);
  std::set<std::string> seen_ids;
  for (const auto& [settings, origin] : cases) {
    for (const auto& seed : seed_list) {
      auto resolved = resolve_case(doc, settings, origin, seed, problems);
      if (!resolved) continue;
      PlannedRun run;
      run.config = *resolved;
      run.run_id = config::hash(*resolved);
      for (const auto& s : settings) {
        run.case_values.emplace_back(s.path, s.value);
        const config::KeySpec* spec = config::find_key(s.path);
        if (spec && !spec->scope.applies(*resolved)) plan.out_of_scope_keys[s.path] = spec->scope.when;
      }
      if (seed) run.case_values.emplace_back("seed", *seed);
      if (!seen_ids.insert(run.run_id).second) {
        ++plan.merged_duplicates;
        continue;
      }
      plan.runs.push_back(std::move(run));
    }
  }
}

std::string describe_values(const std::vector<std::pair<std::string, json>>& case_values) {
  Settings settings;
  for (const auto& [key, value] : case_values) settings.push_back({key, value, {}});
  return describe_case(settings);
}

// Names every run (the template, or the keys its case varied); two runs with one name are an error.
void name_runs(const SweepDocument& doc, SweepPlan& plan, Problems& problems) {
  std::map<std::string, size_t> names;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    auto& run = plan.runs[i];
    run.name = doc.name_template ? render(*doc.name_template, run.config, plan.name)
                                 : default_name(run, doc.varying, plan.name);
    auto [it, fresh] = names.emplace(run.name, i);
    if (!fresh)
      problems.add(
          doc.name_template ? doc.run_name_mark : doc.root_mark,
          fmt::format("two different runs get the name '{}' ({} and {}); add the keys that tell them apart "
                      "to run_name",
                      run.name, describe_values(plan.runs[it->second].case_values), describe_values(run.case_values)));
  }
}

// Marks the runs the baseline matches (a partial config, or a run name); matching nothing is an error.
void mark_baselines(const SweepDocument& doc, SweepPlan& plan, Problems& problems) {
  if (!doc.has_baseline) return;
  const bool by_name = !doc.baseline_name.empty();
  size_t hits = 0;
  for (auto& run : plan.runs)
    if (by_name ? run.name == doc.baseline_name : matches(run.config, doc.baseline)) run.is_baseline = true, ++hits;
  if (hits > 0) return;
  if (!by_name) {
    problems.add(doc.baseline_mark,
                 fmt::format("baseline {{{}}} matches no run of the sweep", describe_case(doc.baseline)));
    return;
  }
  std::vector<std::string> run_names;
  for (const auto& run : plan.runs) run_names.push_back(run.name);
  problems.add(doc.baseline_mark, "baseline: " + unknown_name_message("run name", doc.baseline_name, run_names));
}

std::string sweep_id_of(const SweepPlan& plan) {
  std::vector<std::string> ids;
  for (const auto& run : plan.runs) ids.push_back(run.run_id);
  return sweep_identity(plan.name, ids);
}

}  // namespace

std::string sweep_identity(const std::string& name, std::vector<std::string> run_ids) {
  std::sort(run_ids.begin(), run_ids.end());
  std::string identity = name;
  for (const auto& id : run_ids) identity += "\n" + id;
  return fnv1a64_hex(identity);
}

std::string format_value(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number()) return fmt::format("{}", value.get<double>());
  if (value.is_array()) {
    if (value.empty()) return "[]";
    std::string out;
    for (const auto& item : value) out += (out.empty() ? "" : "+") + format_value(item);
    return out;
  }
  return value.dump();
}

// parse -> expand -> resolve -> name, baseline, identity. Each phase reports every problem it finds; the next
// runs only when the file is sound so far.
SweepPlan parse_sweep(const std::string& yaml_text, const std::string& source_label, size_t max_runs) {
  Problems problems(source_label);
  const SweepDocument doc = parse_document(yaml_text, source_label, problems);
  problems.throw_if_any();
  check_run_count(doc, max_runs, problems);
  problems.throw_if_any();

  SweepPlan plan;
  plan.name = doc.name;
  plan.source_path = source_label;
  plan.source_text = yaml_text;
  plan.report_metric = doc.report_metric;
  plan.report_best_over = doc.report_best_over;
  const Entries cases = apply_excludes_and_includes(doc, product_of_axes(doc), problems);
  plan_runs(doc, cases, plan, problems);
  problems.throw_if_any();

  name_runs(doc, plan, problems);
  mark_baselines(doc, plan, problems);
  problems.throw_if_any();
  plan.sweep_id = sweep_id_of(plan);
  return plan;
}

SweepPlan load_sweep(const std::string& path, size_t max_runs) {
  return parse_sweep(config::read_text_file(path, "grid file"), path, max_runs);
}

}  // namespace gatelab::sweeps
