# SPDX-License-Identifier: Apache-2.0
"""hvcfg: the configuration compiler for the hvcfg static ARM64 separation hypervisor."""
__version__ = "0.1.0"
