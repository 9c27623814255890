//===- ObjectEmitter.cpp - LLVM dialect kernels -> shared object ----------===//
//
// All kernels of a model go into one LLVM module, optimized with the O3 pipeline (llc alone skips
// it), compiled to an object and linked in-process by lld into a small shared object that the
// runtime maps from memory. Users need no system linker.
//
#include "codegen/cpu/ObjectEmitter.h"

#include "runtime/include/tessera/artifact_format.h"
#include "runtime/include/tessera/kernel_abi.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "lld/Common/Driver.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <mutex>

LLD_HAS_DRIVER(elf)

using namespace mlir;

namespace tessera::cpu {

static void initializeTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser(); // module asm: the artifact bytes of --emit=static
  });
}

FailureOr<CpuTarget> resolveCpuTarget(Location loc, StringRef triple, StringRef cpu) {
  initializeTargets();
  CpuTarget target;
  target.triple = triple.empty() ? llvm::sys::getDefaultTargetTriple() : triple.str();
  bool host = cpu.empty() || cpu == "host";
  target.cpu = host ? llvm::sys::getHostCPUName().str() : cpu.str();
  if (host) {
    SmallVector<std::string> features;
    for (auto &f : llvm::sys::getHostCPUFeatures())
      features.push_back((f.second ? "+" : "-") + f.first().str());
    llvm::sort(features); // StringMap order is not deterministic
    target.features = llvm::join(features, ",");
  }
  std::string error;
  llvm::Triple tt(target.triple);
  const llvm::Target *llvmTarget = llvm::TargetRegistry::lookupTarget(tt, error);
  if (!llvmTarget)
    return emitError(loc) << "unknown target triple '" << target.triple << "': " << error;
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      llvmTarget->createMCSubtargetInfo(tt, target.cpu, target.features));
  if (!sti || !sti->isCPUStringValid(target.cpu))
    return emitError(loc) << "unknown CPU '" << target.cpu << "' for " << target.triple;
  static const std::pair<const char *, uint64_t> kFeatures[] = {
      {"sse4.2", TSR_CPU_SSE42},         {"avx", TSR_CPU_AVX},
      {"avx2", TSR_CPU_AVX2},            {"fma", TSR_CPU_FMA},
      {"f16c", TSR_CPU_F16C},            {"bmi2", TSR_CPU_BMI2},
      {"avx512f", TSR_CPU_AVX512F},      {"avx512bw", TSR_CPU_AVX512BW},
      {"avx512dq", TSR_CPU_AVX512DQ},    {"avx512vl", TSR_CPU_AVX512VL},
      {"avx512vnni", TSR_CPU_AVX512VNNI}, {"avx512bf16", TSR_CPU_AVX512BF16}};
  if (tt.getArch() == llvm::Triple::x86_64)
    for (auto [name, bit] : kFeatures)
      if (sti->checkFeatures(std::string("+") + name))
        target.requiredFeatures |= bit;
  return target;
}

/// The microkernels (ukernels/*.c) as LLVM bitcode, compiled at build time without target features.
static const unsigned char kUkernelBitcode[] = {
#include "codegen/cpu/UkernelBitcode.inc"
};

/// Links the microkernels the kernels call into `linked` (whose triple and data layout are set), as
/// internal functions: the O3 pipeline then compiles (and may inline) them for the artifact's CPU. On
/// x86-64 the kernels' own memcpy, memmove and memset (ukernels/memory.c, hidden) always come along.
/// The microkernels' `tsr_ukernel_vector_registers` (how many 16-float vectors the registers hold) is
/// defined here as a constant for `target`, so O3 keeps only the register blocking that CPU wants.
static LogicalResult linkUkernels(Location loc, llvm::Module &linked, const CpuTarget &target) {
  bool needed = llvm::any_of(linked, [](const llvm::Function &fn) {
    return fn.isDeclaration() && fn.getName().starts_with(kUkernelPrefix);
  });
  if (linked.getTargetTriple().getArch() != llvm::Triple::x86_64) {
    if (!needed)
      return success();
    return emitError(loc) << "the CPU microkernels are built for x86-64 only, not "
                          << linked.getTargetTriple().str();
  }
  llvm::MemoryBufferRef buffer(
      StringRef(reinterpret_cast<const char *>(kUkernelBitcode), sizeof(kUkernelBitcode)), "tessera_ukernels");
  auto ukernels = llvm::parseBitcodeFile(buffer, linked.getContext());
  if (!ukernels)
    return emitError(loc) << "cannot read the microkernel bitcode: " << llvm::toString(ukernels.takeError());
  (*ukernels)->setTargetTriple(linked.getTargetTriple());
  (*ukernels)->setDataLayout(linked.getDataLayout());
  for (llvm::Function &fn : **ukernels) {
    // The artifact's CPU decides the code: drop what the build host's compiler assumed.
    fn.removeFnAttr("target-cpu");
    fn.removeFnAttr("target-features");
    fn.removeFnAttr("tune-cpu");
  }
  if (llvm::Linker::linkModules(linked, std::move(*ukernels), llvm::Linker::LinkOnlyNeeded))
    return emitError(loc) << "failed to link the microkernels";
  for (llvm::Function &fn : linked)
    if (!fn.isDeclaration() && fn.getName().starts_with(kUkernelPrefix))
      fn.setLinkage(llvm::GlobalValue::InternalLinkage);
  if (llvm::GlobalVariable *registers = linked.getGlobalVariable("tsr_ukernel_vector_registers")) {
    int32_t count = target.requiredFeatures & TSR_CPU_AVX512F ? 32 : 8;
    registers->setInitializer(llvm::ConstantInt::get(registers->getValueType(), count));
    registers->setConstant(true);
    registers->setLinkage(llvm::GlobalValue::InternalLinkage);
  }
  return success();
}

/// Translates, links and optimizes the kernel modules into one object for `target`. `prepare` may change the
/// linked module before the O3 pipeline runs (static linking: what stays visible, the kernel table).
static FailureOr<SmallString<0>> compileObject(Location loc, ArrayRef<ModuleOp> kernelModules, const CpuTarget &target,
                                               std::string *llvmIR,
                                               llvm::function_ref<LogicalResult(llvm::Module &)> prepare) {
  initializeTargets();
  for (ModuleOp m : kernelModules) {
    registerBuiltinDialectTranslation(*m->getContext());
    registerLLVMDialectTranslation(*m->getContext());
  }
  llvm::LLVMContext llvmContext;
  auto linked = std::make_unique<llvm::Module>("tessera_kernels", llvmContext);
  llvm::Linker linker(*linked);
  for (ModuleOp m : kernelModules) {
    auto llvmModule = translateModuleToLLVMIR(m, llvmContext, "tessera_kernels");
    if (!llvmModule)
      return emitError(loc) << "failed to translate kernels to LLVM IR";
    if (linker.linkInModule(std::move(llvmModule)))
      return emitError(loc) << "failed to link kernel modules";
  }

  std::string error;
  llvm::Triple tt(target.triple);
  const llvm::Target *llvmTarget = llvm::TargetRegistry::lookupTarget(tt, error);
  if (!llvmTarget)
    return emitError(loc) << error;
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      tt, target.cpu, target.features, options, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  linked->setTargetTriple(tt);
  linked->setDataLayout(machine->createDataLayout());
  if (failed(linkUkernels(loc, *linked, target)))
    return failure();
  for (llvm::Function &fn : *linked)
    if (!fn.isDeclaration()) {
      fn.addFnAttr("target-cpu", target.cpu);
      if (!target.features.empty())
        fn.addFnAttr("target-features", target.features);
    }
  if (prepare && failed(prepare(*linked)))
    return failure();

  // The O3 middle-end pipeline.
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(machine.get());
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(*linked, mam);
  if (llvmIR) {
    llvm::raw_string_ostream os(*llvmIR);
    linked->print(os, nullptr);
  }

  SmallString<0> object;
  {
    llvm::raw_svector_ostream os(object);
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, os, nullptr, llvm::CodeGenFileType::ObjectFile))
      return emitError(loc) << "the target cannot emit object files";
    codegen.run(*linked);
  }
  return object;
}

FailureOr<std::string> emitSharedObject(Location loc, ArrayRef<ModuleOp> kernelModules,
                                        const CpuTarget &target, std::string *llvmIR) {
  auto object = compileObject(loc, kernelModules, target, llvmIR, nullptr);
  if (failed(object))
    return failure();
  // lld reads and writes files: use private temporaries.
  SmallString<128> objPath, soPath;
  int objFd;
  if (llvm::sys::fs::createTemporaryFile("tessera-kernels", "o", objFd, objPath) ||
      llvm::sys::fs::createTemporaryFile("tessera-kernels", "so", soPath))
    return emitError(loc) << "cannot create temporary files for linking";
  {
    llvm::raw_fd_ostream os(objFd, /*shouldClose=*/true);
    os << *object;
  }
  std::string linkOutput;
  llvm::raw_string_ostream linkErr(linkOutput);
  std::string outArg = soPath.str().str(), inArg = objPath.str().str();
  const char *args[] = {"ld.lld", "-shared", "--build-id=none", "-O2", "--hash-style=gnu",
                        "-z", "noexecstack", "-o", outArg.c_str(), inArg.c_str()};
  lld::Result result = lld::lldMain(args, llvm::nulls(), linkErr, {{lld::Gnu, &lld::elf::link}});
  llvm::sys::fs::remove(objPath);
  if (result.retCode != 0) {
    llvm::sys::fs::remove(soPath);
    return emitError(loc) << "linking kernels failed: " << linkOutput;
  }
  auto so = llvm::MemoryBuffer::getFile(soPath, /*IsText=*/false);
  llvm::sys::fs::remove(soPath);
  if (!so)
    return emitError(loc) << "cannot read the linked kernels";
  return (*so)->getBuffer().str();
}

FailureOr<std::string> emitStaticObject(Location loc, ArrayRef<ModuleOp> kernelModules, const CpuTarget &target,
                                        const StaticModel &model) {
  // The assembler copies the artifact's bytes from a file into the object.
  SmallString<128> bytesPath;
  int bytesFd;
  if (llvm::sys::fs::createTemporaryFile("tessera-artifact", "bin", bytesFd, bytesPath))
    return emitError(loc) << "cannot create a temporary file for the artifact's bytes";
  {
    llvm::raw_fd_ostream os(bytesFd, /*shouldClose=*/true);
    os << model.artifact;
  }
  // The path as an assembler string (TMPDIR may hold quotes or backslashes).
  std::string quotedPath;
  for (char c : bytesPath.str()) {
    if (c == '"' || c == '\\')
      quotedPath += '\\';
    quotedPath += c;
  }
  auto prepare = [&](llvm::Module &m) -> LogicalResult {
    llvm::LLVMContext &ctx = m.getContext();
    // Nothing of the kernels is visible outside the object: two models (or the app's own memcpy) never clash.
    for (llvm::Function &fn : m)
      if (!fn.isDeclaration())
        fn.setLinkage(llvm::GlobalValue::InternalLinkage);
    for (llvm::GlobalVariable &g : m.globals())
      if (!g.isDeclaration())
        g.setLinkage(llvm::GlobalValue::InternalLinkage);
    auto *ptr = llvm::PointerType::get(ctx, 0);
    auto *i32 = llvm::Type::getInt32Ty(ctx), *i64 = llvm::Type::getInt64Ty(ctx);
    auto *kernelType = llvm::StructType::get(ctx, {ptr, ptr}); // tsr_linked_kernel
    std::vector<llvm::Constant *> kernels;
    for (const std::string &symbol : model.exports) {
      llvm::Function *fn = m.getFunction(symbol);
      if (!fn || fn->isDeclaration())
        return emitError(loc) << "kernel '" << symbol << "' is not in the compiled code";
      llvm::Constant *name = llvm::ConstantDataArray::getString(ctx, symbol);
      auto *nameGlobal = new llvm::GlobalVariable(m, name->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                                  name, symbol + ".name");
      kernels.push_back(llvm::ConstantStruct::get(kernelType, {nameGlobal, fn}));
    }
    auto *tableType = llvm::ArrayType::get(kernelType, kernels.size());
    auto *table = new llvm::GlobalVariable(m, tableType, true, llvm::GlobalValue::InternalLinkage,
                                           llvm::ConstantArray::get(tableType, kernels), model.name + "_kernels");
    std::string artifactSymbol = model.name + "_artifact";
    auto *artifact = new llvm::GlobalVariable(m, llvm::ArrayType::get(llvm::Type::getInt8Ty(ctx), 0), true,
                                              llvm::GlobalValue::ExternalLinkage, nullptr, artifactSymbol);
    artifact->setVisibility(llvm::GlobalValue::HiddenVisibility);
    m.appendModuleInlineAsm((".section .rodata.tessera." + model.name + ",\"a\",@progbits\n.p2align " +
                             std::to_string(llvm::Log2_32(TSR_SECTION_ALIGNMENT)) + "\n.globl " + artifactSymbol +
                             "\n.hidden " + artifactSymbol + "\n" + artifactSymbol + ":\n.incbin \"" +
                             quotedPath + "\"\n.size " + artifactSymbol + ", " +
                             std::to_string(model.artifact.size()) + "\n.text\n")
                                .c_str());
    auto *descriptorType = llvm::StructType::get(ctx, {i32, ptr, i64, ptr, i32}); // tsr_static_model
    llvm::Constant *descriptor = llvm::ConstantStruct::get(
        descriptorType, {llvm::ConstantInt::get(i32, TSR_KERNEL_ABI_VERSION), artifact,
                         llvm::ConstantInt::get(i64, model.artifact.size()), table,
                         llvm::ConstantInt::get(i32, kernels.size())});
    new llvm::GlobalVariable(m, descriptorType, true, llvm::GlobalValue::ExternalLinkage, descriptor,
                             model.name + "_model");
    return success();
  };
  auto object = compileObject(loc, kernelModules, target, nullptr, prepare);
  llvm::sys::fs::remove(bytesPath);
  if (failed(object))
    return failure();
  return std::string(object->str());
}

} // namespace tessera::cpu
