#include "SourceFactory.h"

#include "DirSource.h"
#include "PipelineSource.h"

std::unique_ptr<Source> makeSource(const SourceSpec& spec, const Options& options,
                                   FrameStore& store, Reaper& reaper, Source::FailureFn onFailure) {
  if (spec.kind == SourceKind::Dir) {
    return std::make_unique<DirSource>(spec, options, store, std::move(onFailure));
  }
  return std::make_unique<PipelineSource>(spec, options, store, reaper, std::move(onFailure));
}
