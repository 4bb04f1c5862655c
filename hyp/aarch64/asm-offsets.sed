# The generated asm-offsets.h from the assembler output of aarch64/asm-offsets.c (gcc -S):
# each marker line `.ascii "->SYM VALUE EXPR"` becomes `#define SYM VALUE /* EXPR */`.
# Used by hyp/Makefile and by hvcfg (toolchain.asm_offsets): `sed -n -f asm-offsets.sed FILE.s`;
# each reads it as the .sed next to build.mk's asm-offsets-y source.
1i\
/* Generated from hyp/aarch64/asm-offsets.c by hyp/aarch64/asm-offsets.sed; do not edit. */\
#ifndef HV_ASM_OFFSETS_H\
#define HV_ASM_OFFSETS_H
s/^[[:space:]]*\.ascii[[:space:]]*"->\([A-Za-z_][A-Za-z0-9_]*\) [#$]*\(-\{0,1\}[0-9][0-9]*\) \(.*\)"$/#define \1 \2 \/* \3 *\//p
$a\
#endif
