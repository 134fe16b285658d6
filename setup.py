# The C core is compiled by cffi (API mode) through setuptools.
from setuptools import setup

setup(cffi_modules=["libmemif_dsa/_ffi_build.py:ffibuilder"])
