/*
 * The Python module shim around kernel.c. The kernel is called through ctypes
 * (see kernel.py), but building it as a Python extension lets setuptools
 * compile it at install time, on every platform, with the interpreter's own
 * compiler settings, and put it beside kernel.py in the wheel. The module
 * itself is empty; nothing imports it as a module.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static struct PyModuleDef kernel_module = {
    PyModuleDef_HEAD_INIT, "_kernel",
    "Compiled Hodgkin-Huxley kernel; loaded with ctypes by tutor.sim.kernel.", -1, NULL,
};

PyMODINIT_FUNC PyInit__kernel(void) { return PyModule_Create(&kernel_module); }

#ifndef KERNEL_SOURCE_HASH
#define KERNEL_SOURCE_HASH 0LL
#endif

/* Hash of the kernel.c this library was compiled from (set by setup.py), so the
 * loader can tell a build that no longer matches the source beside it. */
#if defined(_WIN32)
__declspec(dllexport)
#endif
long long kernel_source_hash(void) { return KERNEL_SOURCE_HASH; }
