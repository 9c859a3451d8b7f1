#include "harness/train/checkpoint.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "harness/util/errors.h"
#include "harness/util/hashing.h"

namespace gatelab::train {

namespace fs = std::filesystem;

namespace {

const char* kCurrent = "checkpoint.pt";
const char* kPrevious = "checkpoint.prev.pt";
const char* kTemp = "checkpoint.pt.tmp";
const char* kMagic = "gatelab-checkpoint";
constexpr int kFormatVersion = 1;
constexpr size_t kMaxHeaderBytes = 512;  // a header longer than this is not ours (the real one is ~110 bytes)

// The header's fields as the checksum sees them (the magic, version and checksum itself are checked by parsing).
std::string header_fields(int64_t step, const std::string& config_hash, size_t payload_bytes) {
  return fmt::format("step={} config={} bytes={}", step, config_hash, payload_bytes);
}

uint64_t checksum(const std::string& fields, const char* payload, size_t size) {
  return fnv1a64(payload, size, fnv1a64(fields.data(), fields.size()));
}

// LibTorch's messages carry a C++ backtrace in what(); a one-line report wants the message alone.
std::string message_of(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) {
    std::string text = c10_error->what_without_backtrace();
    const auto newline = text.find('\n');
    return newline == std::string::npos ? text : text.substr(0, newline);
  }
  return e.what();
}

// Writes all of `parts` to `path` and syncs it; on any failure removes the partial file and throws Error naming it.
void write_file_synced(const fs::path& path, const std::vector<const std::string*>& parts) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(fmt::format("cannot write checkpoint '{}': {}", path.string(), std::strerror(errno)));
  auto fail = [&](const char* what) {
    const int error = errno;
    ::close(fd);
    ::unlink(path.c_str());
    throw Error(fmt::format("cannot write checkpoint '{}': {} failed: {}", path.string(), what, std::strerror(error)));
  };
  for (const std::string* part : parts) {
    for (size_t done = 0; done < part->size();) {
      const ssize_t n = ::write(fd, part->data() + done, part->size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0) errno = EIO;
        fail("write");
      }
      done += static_cast<size_t>(n);
    }
  }
  if (::fsync(fd) != 0) fail("fsync");  // the rename below must not publish a file whose bytes are not on disk
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(path.c_str());
    throw Error(fmt::format("cannot write checkpoint '{}': close failed: {}", path.string(), std::strerror(error)));
  }
}

void rename_or_throw(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (error) throw Error(fmt::format("cannot rename '{}' to '{}': {}", from.string(), to.string(), error.message()));
}

TrainPosition read_position(torch::serialize::InputArchive& archive) {
  TrainPosition p;
  torch::Tensor t;
  archive.read("position", t);  // [5] float64: step, tokens, loss_sum, loss_count, elapsed_s
  auto v = t.accessor<double, 1>();
  p.step = static_cast<int64_t>(v[0]);
  p.tokens = static_cast<int64_t>(v[1]);
  p.loss_sum = v[2];
  p.loss_count = static_cast<int64_t>(v[3]);
  p.elapsed_s = v[4];
  c10::IValue hash;
  archive.read("config_hash", hash);
  p.config_hash = hash.toStringRef();
  return p;
}

// AdamW's moments follow their parameters to the training device (the trainer uses AdamW only; another optimizer
// is an error here rather than a silent device mismatch at the next step).
void move_optimizer_state(torch::optim::Optimizer& optimizer, const torch::Device& device) {
  for (auto& [key, state] : optimizer.state()) {
    auto* adamw = dynamic_cast<torch::optim::AdamWParamState*>(state.get());
    if (!adamw) throw Error("checkpoint: only AdamW optimizer state can be moved to " + device.str());
    adamw->exp_avg(adamw->exp_avg().to(device));
    adamw->exp_avg_sq(adamw->exp_avg_sq().to(device));
    if (adamw->max_exp_avg_sq().defined()) adamw->max_exp_avg_sq(adamw->max_exp_avg_sq().to(device));
  }
}

// A checkpoint file checked against its header: the payload's place in `bytes` once the checksum holds.
struct CheckedFile {
  std::string bytes;
  size_t payload_offset = 0;
  int64_t step = 0;
  std::string config_hash;
};

// Why a file cannot be used; `foreign` when it is intact but belongs to another run.
struct Rejection {
  std::string why;
  bool foreign = false;
};

// Reads and verifies one file. Returns the rejection, or nullopt with `out` filled.
std::optional<Rejection> read_checked(const fs::path& path, CheckedFile& out) {
  std::error_code error;
  if (fs::is_directory(path, error)) return Rejection{"it is a directory"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Rejection{fmt::format("it cannot be opened: {}", std::strerror(errno))};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Rejection{"it cannot be read"};
  out.bytes = text.str();
  if (out.bytes.empty()) return Rejection{"it is empty"};
  const auto newline = out.bytes.find('\n');
  if (newline == std::string::npos || newline > kMaxHeaderBytes)
    return Rejection{"it has no gatelab checkpoint header (truncated, overwritten, or from an older gatelab)"};
  std::istringstream header(out.bytes.substr(0, newline));
  std::string magic, step, config, bytes, sum;
  int version = 0;
  header >> magic >> version >> step >> config >> bytes >> sum;
  auto value = [](const std::string& field, const char* name) {
    const std::string prefix = std::string(name) + "=";
    return field.rfind(prefix, 0) == 0 ? field.substr(prefix.size()) : std::string();
  };
  if (magic != kMagic || version != kFormatVersion || value(step, "step").empty() ||
      value(config, "config").empty() || value(bytes, "bytes").empty() || value(sum, "fnv1a64").size() != 16)
    return Rejection{"its header is damaged or of another format"};
  out.payload_offset = newline + 1;
  const size_t payload_size = out.bytes.size() - out.payload_offset;
  if (value(bytes, "bytes") != std::to_string(payload_size))
    return Rejection{fmt::format("it is truncated or extended: {} payload bytes, the header says {}", payload_size,
                                 value(bytes, "bytes"))};
  const std::string fields = step + " " + config + " " + bytes;
  const uint64_t actual = checksum(fields, out.bytes.data() + out.payload_offset, payload_size);
  if (fmt::format("{:016x}", actual) != value(sum, "fnv1a64"))
    return Rejection{fmt::format("checksum mismatch (fnv1a64 {:016x}, the header says {})", actual, value(sum, "fnv1a64"))};
  try {
    out.step = std::stoll(value(step, "step"));
  } catch (const std::exception&) {
    return Rejection{"its header is damaged or of another format"};
  }
  out.config_hash = value(config, "config");
  return std::nullopt;
}

// Loads a verified file into model and optimizer. A failure here (a checksum collision, or an archive this build
// cannot read) rejects the file; parameters half-loaded from it are overwritten by the next file or a fresh start.
std::optional<Rejection> load_verified(const CheckedFile& file, torch::nn::Module& model,
                                       torch::optim::Optimizer& optimizer, TrainPosition& position) {
  try {
    torch::serialize::InputArchive archive, model_archive, optimizer_archive;
    // Loaded on the CPU, then moved: LibTorch's optimizer deserialization reads some of its tensors through host
    // accessors, which crash on CUDA tensors (a resumed run on the H100 died with SIGSEGV when loaded there).
    archive.load_from(file.bytes.data() + file.payload_offset, file.bytes.size() - file.payload_offset, torch::kCPU);
    position = read_position(archive);
    if (position.step != file.step || position.config_hash != file.config_hash)
      return Rejection{"its payload does not match its header"};
    archive.read("model", model_archive);
    archive.read("optimizer", optimizer_archive);
    model.load(model_archive);  // parameters now live on the CPU (set_data), with the dtype they were saved in
    optimizer.load(optimizer_archive);
  } catch (const std::exception& e) {
    return Rejection{"LibTorch cannot read it: " + message_of(e)};
  }
  return std::nullopt;
}

// Moves a rejected file out of the way, so the next checkpoint does not rotate it into checkpoint.prev.pt over a
// good one, and a directory in its place does not block the next rename. The evidence stays beside it.
void move_aside(const fs::path& path) {
  const fs::path aside = path.string() + ".rejected";
  std::error_code error;
  fs::remove_all(aside, error);
  rename_or_throw(path, aside);
}

}  // namespace

void save_checkpoint(const std::string& run_dir, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                     const TrainPosition& position) {
  const fs::path dir(run_dir), tmp = dir / kTemp;
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw Error(fmt::format("cannot create run folder '{}': {}", run_dir, error.message()));
  std::string payload;
  try {
    torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
    model.save(model_archive);
    optimizer.save(optimizer_archive);
    archive.write("model", model_archive);
    archive.write("optimizer", optimizer_archive);
    archive.write("position",
                  torch::tensor({static_cast<double>(position.step), static_cast<double>(position.tokens),
                                 position.loss_sum, static_cast<double>(position.loss_count), position.elapsed_s},
                                torch::kFloat64));
    archive.write("config_hash", c10::IValue(position.config_hash));
    // Into memory, not onto the disk: LibTorch's file writer throws from its destructor when a write fails
    // (std::terminate, rc 134, on a full disk), and the checksum needs the bytes anyway.
    std::ostringstream bytes;
    archive.save_to(bytes);
    payload = bytes.str();
  } catch (const std::exception& e) {
    throw Error(fmt::format("cannot serialize checkpoint for '{}': {}", tmp.string(), message_of(e)));
  }
  const std::string fields = header_fields(position.step, position.config_hash, payload.size());
  const std::string header = fmt::format("{} {} {} fnv1a64={:016x}\n", kMagic, kFormatVersion, fields,
                                         checksum(fields, payload.data(), payload.size()));
  write_file_synced(tmp, {&header, &payload});
  if (fs::exists(dir / kCurrent, error)) rename_or_throw(dir / kCurrent, dir / kPrevious);
  rename_or_throw(tmp, dir / kCurrent);
}

LoadedCheckpoint load_checkpoint(const std::string& run_dir, torch::nn::Module& model,
                                 torch::optim::Optimizer& optimizer, const std::string& config_hash,
                                 const torch::Device& device) {
  LoadedCheckpoint loaded;
  std::error_code ignored;
  fs::remove(fs::path(run_dir) / kTemp, ignored);  // a process killed mid-write leaves one
  std::vector<std::pair<fs::path, Rejection>> rejected;
  std::string used;
  for (const char* name : {kCurrent, kPrevious}) {
    const fs::path path = fs::path(run_dir) / name;
    std::error_code error;
    if (!fs::exists(fs::symlink_status(path, error))) continue;
    CheckedFile file;
    auto rejection = read_checked(path, file);
    if (!rejection && file.config_hash != config_hash)
      rejection = Rejection{fmt::format("it belongs to run {}, not {}", file.config_hash, config_hash), true};
    TrainPosition position;
    if (!rejection) rejection = load_verified(file, model, optimizer, position);
    if (rejection) {
      rejected.emplace_back(path, *rejection);
      continue;
    }
    loaded.position = position;
    used = name;
    break;
  }
  const bool all_foreign =
      !rejected.empty() && std::all_of(rejected.begin(), rejected.end(), [](const auto& r) { return r.second.foreign; });
  if (!loaded.position && all_foreign)
    throw UserError(fmt::format("checkpoint '{}': {}; this folder belongs to another run, use another --run-dir",
                                rejected.front().first.string(), rejected.front().second.why));
  for (const auto& [path, rejection] : rejected) {
    move_aside(path);
    loaded.note += fmt::format("{}checkpoint '{}' rejected: {} (moved to {}.rejected)", loaded.note.empty() ? "" : "; ",
                               path.string(), rejection.why, path.filename().string());
  }
  if (!rejected.empty())
    loaded.note += loaded.position ? fmt::format("; resumed from {} at step {}", used, loaded.position->step)
                                   : "; restarted from step 0";
  if (!loaded.position) return loaded;
  // A failure to move to the device is not a corrupt file and must not send us to an older one.
  model.to(device);
  move_optimizer_state(optimizer, device);
  return loaded;
}

}  // namespace gatelab::train
