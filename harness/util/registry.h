// A registry maps names to factories for one extension point (feature map, gate, norm, task, ...).
// Each kind has exactly one builtin list (its builtin.cpp); that list is the only place a component is named.
// Torch-free on purpose: the CLI and the config validator read names without pulling in torch.
//
// A builtin list is an X-macro with one line per component, COMPONENT(factory, "name", "summary"), where the factory
// is defined in the component's own file (found by the build's GLOB). builtin.cpp expands the list twice: with
// GATELAB_DECLARE_COMPONENT, which declares each factory with the signature the kind's builtin.cpp names as
// `ComponentType`, and with GATELAB_REGISTRY_ENTRY, which makes its registry entry. So adding a component is one new
// file and one line: no declaration to repeat, no CMake edit. Each list ends with a comment line, so a line added
// above it changes no other line.
#pragma once

#include <functional>
#include <string>
#include <type_traits>  // std::remove_pointer_t, for the ComponentType of builtin lists
#include <utility>
#include <vector>

#include "harness/util/errors.h"

#define GATELAB_DECLARE_COMPONENT(factory, name, summary) extern ComponentType factory;
#define GATELAB_REGISTRY_ENTRY(factory, name, summary) {name, summary, factory},

namespace gatelab {

template <class Factory>
class Registry {
 public:
  struct Entry {
    std::string name;
    std::string summary;  // one line, shown by `gatelab variants`
    Factory make;
  };

  Registry(std::string kind, std::vector<Entry> entries) : kind_(std::move(kind)), entries_(std::move(entries)) {
    for (size_t i = 0; i < entries_.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (entries_[i].name == entries_[j].name)
          throw Error("duplicate " + kind_ + " name '" + entries_[i].name + "'");
  }

  const std::string& kind() const { return kind_; }
  const std::vector<Entry>& entries() const { return entries_; }

  bool contains(const std::string& name) const {
    for (const auto& e : entries_)
      if (e.name == name) return true;
    return false;
  }

  // Throws UserError naming the valid choices when `name` is unknown.
  const Entry& get(const std::string& name) const {
    for (const auto& e : entries_)
      if (e.name == name) return e;
    throw UserError(unknown_name_message(kind_, name, names()));
  }

  // (name, summary) pairs, for catalogs and listings.
  std::vector<std::pair<std::string, std::string>> summaries() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : entries_) out.emplace_back(e.name, e.summary);
    return out;
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
  }

 private:
  std::string kind_;
  std::vector<Entry> entries_;
};

}  // namespace gatelab
