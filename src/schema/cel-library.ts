/**
 * The CEL library (@bufbuild/cel), loaded on first use. Most runs never need it: the direct
 * evaluation (cel-direct.ts) decides the rules of clean input, and only a failing or unusual
 * rule, or an access-log CEL filter, needs the interpreter or parser. Initialising the library
 * and its protobuf runtime cost ~17 ms, more than a tenth of a cold start.
 *
 * In the CLI bundle, `require` is the bundler's: the library is in the bundle, and a required
 * module is initialised only when first required. Unbundled (build/, the tests), the ES module
 * has no `require`, and Node's loads the library's CommonJS build. Each entry point has its own
 * function because the bundler bundles only a `require` of a literal name.
 */
import { createRequire } from 'node:module';

export type CelLibrary = typeof import('@bufbuild/cel');
export type CelExtensions = typeof import('@bufbuild/cel/ext');

let library: CelLibrary | undefined;
let extensions: CelExtensions | undefined;

export function celLibrary(): CelLibrary {
  return (library ??= typeof require === 'function' ? (require('@bufbuild/cel') as CelLibrary) : (createRequire(import.meta.url)('@bufbuild/cel') as CelLibrary));
}

export function celExtensions(): CelExtensions {
  return (extensions ??= typeof require === 'function' ? (require('@bufbuild/cel/ext') as CelExtensions) : (createRequire(import.meta.url)('@bufbuild/cel/ext') as CelExtensions));
}
