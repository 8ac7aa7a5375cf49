// Creates the Source implementation for a validated SourceSpec.
#pragma once

#include <memory>

#include "FrameStore.h"
#include "Options.h"
#include "Reaper.h"
#include "Source.h"
#include "SourceUri.h"

std::unique_ptr<Source> makeSource(const SourceSpec& spec, const Options& options,
                                   FrameStore& store, Reaper& reaper, Source::FailureFn onFailure);
