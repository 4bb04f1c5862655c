# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the xsa tests (builders live in xsa_builders.py)."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from xsa_builders import make_partition, make_system

from hvcfg.model import System


@pytest.fixture
def system_builder() -> Callable[..., System]:
    return make_system


@pytest.fixture
def supported_system() -> System:
    """Only security-supported features: one partition, console + identity, halt, rw/rx."""
    return make_system(make_partition("hello", 20, hypercalls=("console", "identity"),
                                      perms=("rx", "rw")))
