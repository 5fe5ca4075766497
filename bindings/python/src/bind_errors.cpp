// Area: errors and library information.
//
// aigc.Error is the base of one exception class per aigc_status; the C++ wrapper's
// aigc::StatusError(status, message) is translated to the matching class with the library's
// message (aigc_last_error() at the time of the failure) and a `status` attribute.
// Some classes also derive from the built-in exception a Python user would expect
// (InvalidArgument is a ValueError, IoError an OSError, OutOfMemory a MemoryError).
#include <string>

#include "common.hpp"

namespace aigc_py {

namespace {

struct ErrorClass {
  aigc_status status;
  const char *name;
  PyObject *builtin;  // extra base, or nullptr
  const char *doc;
};

// Indexed by status; AIGC_STATUS_OK has no class.
PyObject *g_classes[AIGC_STATUS_INTERNAL + 1] = {};
PyObject *g_base = nullptr;

PyObject *class_for(aigc_status st) {
  if (st > AIGC_STATUS_OK && st <= AIGC_STATUS_INTERNAL && g_classes[st]) return g_classes[st];
  return g_base;
}

}  // namespace

py::str decode_utf8(const char *data, size_t size) {
  PyObject *s = PyUnicode_DecodeUTF8(data, static_cast<Py_ssize_t>(size), "replace");
  if (!s) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

void bind_errors(py::module_ &m) {
  g_base = PyErr_NewExceptionWithDoc(
      "aigc.Error",
      "Base class of every error the aigc library reports.\n\n"
      "Attributes:\n"
      "    status (int): the aigc_status code (see aigc.Status).\n"
      "    args[0] (str): the library's message (aigc_last_error()).",
      PyExc_RuntimeError, nullptr);
  if (!g_base) throw py::error_already_set();
  m.attr("Error") = py::handle(g_base);

  const ErrorClass classes[] = {
      {AIGC_STATUS_INVALID_ARGUMENT, "InvalidArgument", PyExc_ValueError,
       "A parameter is out of range or inconsistent (the message names it)."},
      {AIGC_STATUS_OUT_OF_MEMORY, "OutOfMemory", PyExc_MemoryError, "An allocation failed."},
      {AIGC_STATUS_IO_ERROR, "IoError", PyExc_OSError,
       "A file could not be opened or read (missing model file, ...)."},
      {AIGC_STATUS_INVALID_FORMAT, "InvalidFormat", PyExc_ValueError,
       "A file is corrupt, truncated or not in a format the library reads."},
      {AIGC_STATUS_UNSUPPORTED, "Unsupported", nullptr,
       "The input is valid but not supported (architecture, tensor type, chat template...)."},
      {AIGC_STATUS_SHAPE_MISMATCH, "ShapeMismatch", PyExc_ValueError,
       "A model's configuration does not match its tensor shapes."},
      {AIGC_STATUS_BACKEND_UNAVAILABLE, "BackendUnavailable", nullptr,
       "The requested compute backend is not compiled in or has no device."},
      {AIGC_STATUS_BUFFER_TOO_SMALL, "BufferTooSmall", nullptr,
       "A caller buffer was too small (internal: the bindings size buffers themselves)."},
      {AIGC_STATUS_CONTEXT_FULL, "ContextFull", nullptr,
       "The tokens do not fit in the context (n_ctx): use a larger n_ctx or a shorter prompt."},
      {AIGC_STATUS_CANCELLED, "Cancelled", nullptr,
       "The call was cancelled (Context.cancel() or a callback asking to stop)."},
      {AIGC_STATUS_DEVICE_ERROR, "DeviceError", nullptr, "The compute device reported an error."},
      {AIGC_STATUS_INTERNAL, "InternalError", nullptr, "A bug in the library (please report it)."},
  };
  for (const ErrorClass &c : classes) {
    const std::string qual = std::string("aigc.") + c.name;
    PyObject *bases = c.builtin ? PyTuple_Pack(2, g_base, c.builtin) : PyTuple_Pack(1, g_base);
    if (!bases) throw py::error_already_set();
    PyObject *cls = PyErr_NewExceptionWithDoc(qual.c_str(), c.doc, bases, nullptr);
    Py_DECREF(bases);
    if (!cls) throw py::error_already_set();
    g_classes[c.status] = cls;  // kept for the life of the process (module never unloads)
    m.attr(c.name) = py::handle(cls);
  }

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const aigc::StatusError &e) {
      PyObject *cls = class_for(e.status());
      // OSError(msg) keeps args == (msg,) and str() == msg with a single argument.
      py::object exc = py::reinterpret_borrow<py::object>(cls)(py::str(e.what()));
      exc.attr("status") = py::int_(static_cast<int>(e.status()));
      PyErr_SetObject(cls, exc.ptr());
    }
  });

  m.def("status_string", [](int status) { return std::string(aigc_status_string(
                                              static_cast<aigc_status>(status))); },
        py::arg("status"), "English name of an aigc_status code ('invalid argument').");
  m.def("version", [] { return std::string(aigc_version()); },
        "Version of the aigc library compiled into this module ('0.1.0').");
  m.def("abi_version", [] { return aigc_abi_version(); }, "The library's AIGC_ABI_VERSION.");
  m.def("system_info", [] { return aigc::system_info(); },
        "Text describing the build: version, compute backends (and why one is unavailable), "
        "CPU features.");
  m.def("backend_available", [](const std::string &name) { return aigc::backend_available(name); },
        py::arg("name"), "True when the compute backend ('ref', 'cpu', 'cuda') is usable.");
  m.attr("BINDING_VERSION") = AIGC_PY_VERSION;
}

}  // namespace aigc_py
