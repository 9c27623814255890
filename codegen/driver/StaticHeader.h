//===- StaticHeader.h - the C header of a model linked into an app -*- C++ -*-===//
#ifndef TESSERA_CODEGEN_DRIVER_STATICHEADER_H
#define TESSERA_CODEGEN_DRIVER_STATICHEADER_H

#include "runtime/codec/artifact_codec.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace tessera {

/// Whether `name` can name a model in C (`NAME_model`): an identifier of letters, digits and '_'.
bool isStaticModelName(llvm::StringRef name);

/// The model name `--emit=static` uses when none is given: the model file's stem with every character
/// that cannot be in a C identifier turned into '_' (and a leading '_' before a digit).
std::string defaultStaticModelName(llvm::StringRef modelPath);

/// NAME.h for `tessera-compile --emit=static`: declares `NAME_model` (defined by NAME.o) and describes
/// the model's inputs and outputs, the CPU it needs and how to load and link it.
std::string staticHeader(llvm::StringRef name, llvm::StringRef modelPath, const codec::Metadata &metadata,
                         const codec::ContainerInfo &info);

} // namespace tessera

#endif
