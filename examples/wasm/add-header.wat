;; A proxy-wasm HTTP filter (ABI 0.2.1) in WebAssembly text: it adds the response header
;; `x-wasm-config`, whose value is the plugin configuration Envoy hands it (the policy's
;; `config`, as JSON). Assemble it with `npx -p wabt wat2wasm add-header.wat -o add-header.wasm`.
(module
  (import "env" "proxy_add_header_map_value" (func $add_header (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_get_buffer_bytes" (func $get_buffer (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; Bytes 0-7: where Envoy writes the configuration's address and size; the header name at 16;
  ;; what Envoy allocates (proxy_on_memory_allocate) from 1024 on, never freed.
  (global $heap (mut i32) (i32.const 1024))
  (global $config_ptr (mut i32) (i32.const 0))
  (global $config_size (mut i32) (i32.const 0))
  (data (i32.const 16) "x-wasm-config")
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param $size i32) (result i32)
    (local $at i32)
    (local.set $at (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get $size) (i32.const 7)) (i32.const -8))))
    (local.get $at))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  ;; Keeps the plugin configuration (buffer type 7).
  (func (export "proxy_on_configure") (param $root i32) (param $size i32) (result i32)
    (if (i32.gt_s (local.get $size) (i32.const 0))
      (then
        (drop (call $get_buffer (i32.const 7) (i32.const 0) (local.get $size) (i32.const 0) (i32.const 4)))
        (global.set $config_ptr (i32.load (i32.const 0)))
        (global.set $config_size (i32.load (i32.const 4)))))
    (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  ;; Adds the header to the response headers (map type 2) and lets the response continue (0).
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    (drop (call $add_header (i32.const 2) (i32.const 16) (i32.const 13) (global.get $config_ptr) (global.get $config_size)))
    (i32.const 0))
  (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
  (func (export "proxy_on_log") (param i32))
  (func (export "proxy_on_delete") (param i32)))
