{
  "targets": [
    {
      "target_name": "pask_port",
      "sources": ["native/pask_port.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden"]
    },
    {
      "target_name": "pask_offload",
      "sources": ["native/pask_offload.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden"],
      "libraries": ["-ldl"]
    }
  ]
}
