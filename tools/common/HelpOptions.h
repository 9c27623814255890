//===- HelpOptions.h - keep LLVM's library flags out of --help -*- C++ -*-===//
#ifndef TESSERA_TOOLS_COMMON_HELPOPTIONS_H
#define TESSERA_TOOLS_COMMON_HELPOPTIONS_H

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/CommandLine.h"

namespace tessera {

/// Moves every flag registered so far that is in none of `shown` (LLVM's --help and --version always stay)
/// from --help to --help-hidden. The LLVM code generators linked in for the CPU target register hundreds
/// (--x86-*, --amdgpu-*, --aarch64-*, Polly's) that say nothing about Tessera. cl::HideUnrelatedOptions
/// decides what is related but hides the rest from --help-hidden too, so it is undone to plain Hidden.
inline void moveUnrelatedOptionsToHelpHidden(llvm::ArrayRef<const llvm::cl::OptionCategory *> shown) {
  llvm::SmallPtrSet<llvm::cl::Option *, 32> visible;
  for (auto &entry : llvm::cl::getRegisteredOptions())
    if (entry.second->getOptionHiddenFlag() == llvm::cl::NotHidden)
      visible.insert(entry.second);
  llvm::cl::HideUnrelatedOptions(shown);
  for (llvm::cl::Option *option : visible)
    if (option->getOptionHiddenFlag() == llvm::cl::ReallyHidden)
      option->setHiddenFlag(llvm::cl::Hidden);
}

} // namespace tessera

#endif
