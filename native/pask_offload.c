// pask_offload: loads the established-flow offload program (native/pask_offload.bpf.c, compiled
// by clang at set-up) with libbpf, attaches it to ports as XDP, and edits its flow table.
//
// libbpf (Debian's libbpf1, libbpf.so.1) is opened with dlopen when `open` is first called, not
// linked: the addon always builds, and without libbpf (or without root, or on a kernel without
// BPF) `open` says why and pask runs as before. The few libbpf functions used are declared
// here with opaque types; their signatures are libbpf 1.x's (errors as negative errno).
//
// JS API (all synchronous, none on the packet path; keys and values are Uint8Arrays laid out as
// struct flow_key / struct flow_val, see src/offload/flow-codec.ts):
//   open(objPath) -> handle            throws Error(message) with .code (errno name) on failure
//   attach(h, ifindex, mode) -> link fd|-errno   mode: 1 generic (SKB), 2 native (driver)
//   detach(fd) -> 0|-errno
// The program is attached through a BPF link (BPF_LINK_CREATE, not netlink): the link lives as
// long as its file descriptor, so a pask that dies leaves no program on its interfaces.
//   put(h, key, val) -> 0|-errno        del(h, key) -> 0|-errno
//   get(h, key, val) -> 0|-errno        (val filled)
//   close(h)
//   monotonicMs() -> number             CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns

#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <dlfcn.h>
#include <stdarg.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#define XDP_FLAGS_SKB_MODE (1U << 1)
#define XDP_FLAGS_DRV_MODE (1U << 2)

#define KEY_SIZE 20
#define VAL_SIZE 56

struct bpf_object;
struct bpf_program;

typedef struct {
  struct bpf_object *(*object_open_file)(const char *path, const void *opts);
  int (*object_load)(struct bpf_object *obj);
  void (*object_close)(struct bpf_object *obj);
  struct bpf_program *(*find_program_by_name)(const struct bpf_object *obj, const char *name);
  int (*program_fd)(const struct bpf_program *prog);
  int (*find_map_fd_by_name)(const struct bpf_object *obj, const char *name);
  int (*map_update_elem)(int fd, const void *key, const void *value, uint64_t flags);
  int (*map_lookup_elem)(int fd, const void *key, void *value);
  int (*map_delete_elem)(int fd, const void *key);
  void *(*set_print)(void *fn);
} libbpf_api;

static libbpf_api api;
static void *libbpf_handle = NULL;
static char libbpf_error[256] = "";

static int silent_print(int level, const char *fmt, va_list ap) {
  (void)level; (void)fmt; (void)ap;
  return 0;
}

static int load_libbpf(void) {
  if (libbpf_handle != NULL) return 0;
  void *h = dlopen("libbpf.so.1", RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) h = dlopen("libbpf.so", RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    snprintf(libbpf_error, sizeof libbpf_error, "libbpf is not installed (%s)", dlerror());
    return -1;
  }
#define SYM(field, name) \
  do { *(void **)&api.field = dlsym(h, name); \
    if (api.field == NULL) { snprintf(libbpf_error, sizeof libbpf_error, "libbpf lacks %s", name); dlclose(h); return -1; } } while (0)
  SYM(object_open_file, "bpf_object__open_file");
  SYM(object_load, "bpf_object__load");
  SYM(object_close, "bpf_object__close");
  SYM(find_program_by_name, "bpf_object__find_program_by_name");
  SYM(program_fd, "bpf_program__fd");
  SYM(find_map_fd_by_name, "bpf_object__find_map_fd_by_name");
  SYM(map_update_elem, "bpf_map_update_elem");
  SYM(map_lookup_elem, "bpf_map_lookup_elem");
  SYM(map_delete_elem, "bpf_map_delete_elem");
  SYM(set_print, "libbpf_set_print");
#undef SYM
  api.set_print((void *)silent_print);
  libbpf_handle = h;
  return 0;
}

typedef struct {
  struct bpf_object *obj;
  int prog_fd;
  int map_fd;
} offload_t;

static napi_value throw_code(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  offload_t *o = data;
  if (o->obj != NULL && libbpf_handle != NULL) api.object_close(o->obj);
  o->obj = NULL;
  free(o);
}

static offload_t *handle_of(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) return NULL;
  offload_t *o = p;
  return o->obj != NULL ? o : NULL;
}

static napi_value num(napi_env env, double d) {
  napi_value r;
  napi_create_double(env, d, &r);
  return r;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) return -1;
  return 0;
}

static int bytes_of(napi_env env, napi_value v, size_t need, void **data) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return -1;
  napi_typedarray_type t;
  size_t len;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, &len, data, &ab, &off) != napi_ok || t != napi_uint8_array || len < need) return -1;
  return 0;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) != 0) return throw_code(env, "EINVAL", "open(objPath)");
  char path[4096];
  size_t n;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &n) != napi_ok) return throw_code(env, "EINVAL", "objPath must be a string");
  if (load_libbpf() != 0) return throw_code(env, "ENOLIBBPF", libbpf_error);
  errno = 0;
  struct bpf_object *obj = api.object_open_file(path, NULL);
  if (obj == NULL) {
    char msg[4200];
    int e = errno != 0 ? errno : ENOENT;
    snprintf(msg, sizeof msg, "cannot open %s: %s", path, strerror(e));
    return throw_code(env, e == ENOENT ? "ENOENT" : "EBPFOBJ", msg);
  }
  int err = api.object_load(obj);
  if (err != 0) {
    char msg[512];
    int e = err < 0 ? -err : err;
    snprintf(msg, sizeof msg, "the kernel refused the offload program: %s", strerror(e));
    api.object_close(obj);
    return throw_code(env, e == EPERM || e == EACCES ? "EPERM" : "EBPFLOAD", msg);
  }
  struct bpf_program *prog = api.find_program_by_name(obj, "pask_offload");
  int map_fd = api.find_map_fd_by_name(obj, "flows");
  if (prog == NULL || map_fd < 0) {
    api.object_close(obj);
    return throw_code(env, "EBPFOBJ", "the offload object has no pask_offload program or flows map");
  }
  offload_t *o = calloc(1, sizeof *o);
  if (o == NULL) {
    api.object_close(obj);
    return throw_code(env, "ENOMEM", "out of memory");
  }
  o->obj = obj;
  o->prog_fd = api.program_fd(prog);
  o->map_fd = map_fd;
  napi_value ext;
  if (napi_create_external(env, o, finalize, NULL, &ext) != napi_ok) {
    finalize(env, o, NULL);
    return throw_code(env, "ENOMEM", "cannot create handle");
  }
  return ext;
}

static uint32_t mode_flags(int mode) {
  return mode == 2 ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
}

static napi_value js_attach(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (get_args(env, info, 3, argv) != 0) return throw_code(env, "EINVAL", "attach(h, ifindex, mode)");
  offload_t *o = handle_of(env, argv[0]);
  int32_t ifindex = 0, mode = 1;
  if (o == NULL) return throw_code(env, "EBADF", "closed offload handle");
  napi_get_value_int32(env, argv[1], &ifindex);
  napi_get_value_int32(env, argv[2], &mode);
  if (ifindex <= 0) return num(env, -EINVAL);
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.link_create.prog_fd = (uint32_t)o->prog_fd;
  attr.link_create.target_ifindex = (uint32_t)ifindex;
  attr.link_create.attach_type = BPF_XDP;
  attr.link_create.flags = mode_flags(mode);
  long fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof attr);
  if (fd < 0) return num(env, -errno);
  return num(env, (double)fd);
}

static napi_value js_detach(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = -1;
  if (get_args(env, info, 1, argv) != 0) return throw_code(env, "EINVAL", "detach(fd)");
  napi_get_value_int32(env, argv[0], &fd);
  if (fd < 0) return num(env, -EBADF);
  return num(env, close(fd) == 0 ? 0 : -errno);
}

static napi_value js_put(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  void *k, *v;
  if (get_args(env, info, 3, argv) != 0) return throw_code(env, "EINVAL", "put(h, key, val)");
  offload_t *o = handle_of(env, argv[0]);
  if (o == NULL) return throw_code(env, "EBADF", "closed offload handle");
  if (bytes_of(env, argv[1], KEY_SIZE, &k) != 0 || bytes_of(env, argv[2], VAL_SIZE, &v) != 0) return throw_code(env, "EINVAL", "bad key or value");
  return num(env, api.map_update_elem(o->map_fd, k, v, 0 /* BPF_ANY */));
}

static napi_value js_get(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  void *k, *v;
  if (get_args(env, info, 3, argv) != 0) return throw_code(env, "EINVAL", "get(h, key, val)");
  offload_t *o = handle_of(env, argv[0]);
  if (o == NULL) return throw_code(env, "EBADF", "closed offload handle");
  if (bytes_of(env, argv[1], KEY_SIZE, &k) != 0 || bytes_of(env, argv[2], VAL_SIZE, &v) != 0) return throw_code(env, "EINVAL", "bad key or value");
  return num(env, api.map_lookup_elem(o->map_fd, k, v));
}

static napi_value js_del(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  void *k;
  if (get_args(env, info, 2, argv) != 0) return throw_code(env, "EINVAL", "del(h, key)");
  offload_t *o = handle_of(env, argv[0]);
  if (o == NULL) return throw_code(env, "EBADF", "closed offload handle");
  if (bytes_of(env, argv[1], KEY_SIZE, &k) != 0) return throw_code(env, "EINVAL", "bad key");
  return num(env, api.map_delete_elem(o->map_fd, k));
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) != 0) return NULL;
  void *p = NULL;
  if (napi_get_value_external(env, argv[0], &p) != napi_ok || p == NULL) return NULL;
  offload_t *o = p;
  if (o->obj != NULL) api.object_close(o->obj);
  o->obj = NULL;
  return NULL;
}

static napi_value js_monotonic_ms(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return num(env, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
    {"attach", NULL, js_attach, NULL, NULL, NULL, napi_default, NULL},
    {"detach", NULL, js_detach, NULL, NULL, NULL, napi_default, NULL},
    {"put", NULL, js_put, NULL, NULL, NULL, napi_default, NULL},
    {"get", NULL, js_get, NULL, NULL, NULL, napi_default, NULL},
    {"del", NULL, js_del, NULL, NULL, NULL, napi_default, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
    {"monotonicMs", NULL, js_monotonic_ms, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
