# SPDX-License-Identifier: Apache-2.0
"""tables: descriptors decoded bit by bit by a walker written here, independently of tables.py."""
from __future__ import annotations

from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hvcfg.tables import (
    MAIR_EL2,
    TCR_EL2,
    VTCR_EL2,
    Mapping,
    TableSet,
    el2_tables,
    stage2_tables,
    ttbr0_el2,
    vttbr_el2,
)

K4, M2, G1 = 1 << 12, 1 << 21, 1 << 30
SHIFT = {1: 30, 2: 21, 3: 12}
OA = ((1 << 40) - 1) & ~(K4 - 1)                  # 40-bit output addresses only
LEAF_KNOWN = OA | (1 << 54) | 0x7FF               # bits the generator may set in a leaf


# -- independent decoder (tests only) ---------------------------------------------------------

def _leaf_attrs(d: int, regime: str) -> dict[str, object]:
    assert d & ~LEAF_KNOWN == 0, f"unexpected bits in {d:#x}"
    assert d & (1 << 10), "AF must be set"
    assert not d & (1 << 11), "nG must be clear"
    sh = (d >> 8) & 3
    xn = bool(d & (1 << 54))
    if regime == "stage2":
        memattr = (d >> 2) & 0xF
        memtype = {0b1111: "normal", 0b0001: "device"}[memattr]
        r, w = bool(d & (1 << 6)), bool(d & (1 << 7))
    else:
        attrindx = (d >> 2) & 0x7
        mair = (MAIR_EL2 >> (8 * attrindx)) & 0xFF
        memtype = {0xFF: "normal", 0x04: "device"}[mair]
        assert not d & (1 << 5), "NS must be clear"
        ap = (d >> 6) & 3
        assert ap & 1, "AP[1] is RES1 in the EL2 regime"
        r, w = True, ap == 0b01
    return {"r": r, "w": w, "x": not xn, "memtype": memtype, "sh": sh}


def decode(ts: TableSet, regime: str) -> list[tuple[int, int, int, dict[str, object]]]:
    """Walk `ts` like the MMU would: (va, pa, size, attrs) for every leaf, in VA order."""
    root_pages = 2 if regime == "stage2" else 1
    assert ts.base % (root_pages * K4) == 0
    assert all(len(p) == 512 for p in ts.pages)
    seen = set(range(root_pages))
    leaves: list[tuple[int, int, int, dict[str, object]]] = []

    def walk(entries: tuple[int, ...], level: int, va_base: int) -> None:
        for i, d in enumerate(entries):
            if not d & 1:
                assert d == 0, "invalid descriptors must be all zero"
                continue
            va = va_base + (i << SHIFT[level])
            if level < 3 and d & 3 == 3:
                assert d & ~OA & ~3 == 0, f"table descriptor with attributes: {d:#x}"
                nxt = (d & OA) - ts.base
                assert nxt % K4 == 0 and 0 <= nxt // K4 < len(ts.pages)
                page = nxt // K4
                assert page not in seen, "table page referenced twice (or the root)"
                seen.add(page)
                walk(ts.pages[page], level + 1, va)
            else:
                assert d & 3 == (3 if level == 3 else 1), f"bad leaf type at level {level}"
                size = 1 << SHIFT[level]
                pa = d & OA
                assert pa % size == 0, "block output address not aligned"
                leaves.append((va, pa, size, _leaf_attrs(d, regime)))

    root = tuple(e for p in ts.pages[:root_pages] for e in p)
    walk(root, 1, 0)
    assert seen == set(range(len(ts.pages))), "unreachable table pages"
    return leaves


def expected_attrs(m: Mapping, regime: str) -> dict[str, object]:
    device = m.memtype == "device"
    return {"r": True, "w": "w" in m.perm, "x": "x" in m.perm and not device,
            "memtype": m.memtype, "sh": 0 if device else 3}


def check_roundtrip(maps: list[Mapping], ts: TableSet, regime: str, blocks: bool = True) -> None:
    leaves = decode(ts, regime)
    covered = {id(m): 0 for m in maps}
    for va, pa, size, attrs in leaves:
        owner = [m for m in maps if m.va <= va and va + size <= m.va + m.size]
        assert len(owner) == 1, f"leaf {va:#x}+{size:#x} not inside exactly one mapping"
        m = owner[0]
        assert pa == m.pa + (va - m.va)
        assert attrs == expected_attrs(m, regime)
        covered[id(m)] += size
        # blocks wherever alignment allows (no larger block fitted), or pages only
        if not blocks:
            assert size == K4, f"{va:#x}: a {size:#x} leaf in a pages-only table"
        elif size < G1:
            bigger = size << 9
            window = va - va % bigger
            assert not (window >= m.va and window + bigger <= m.va + m.size
                        and (m.pa - m.va) % bigger == 0), f"{va:#x} could be a {bigger:#x} block"
    assert all(covered[id(m)] == m.size for m in maps)


# -- register values ----------------------------------------------------------------------------

def test_register_values() -> None:
    assert MAIR_EL2 == 0x04FF
    assert TCR_EL2 & 0x3F == 25 and (TCR_EL2 >> 14) & 3 == 0 and (TCR_EL2 >> 12) & 3 == 3
    assert (TCR_EL2 >> 10) & 3 == 1 and (TCR_EL2 >> 8) & 3 == 1 and (TCR_EL2 >> 16) & 7 == 0b010
    assert TCR_EL2 & (1 << 31) and TCR_EL2 & (1 << 23)
    assert TCR_EL2 == 0x80823519
    assert VTCR_EL2 & 0x3F == 24 and (VTCR_EL2 >> 6) & 3 == 1 and (VTCR_EL2 >> 16) & 7 == 0b010
    assert (VTCR_EL2 >> 12) & 3 == 3 and (VTCR_EL2 >> 10) & 3 == 1 and (VTCR_EL2 >> 8) & 3 == 1
    assert (VTCR_EL2 >> 14) & 3 == 0 and VTCR_EL2 & (1 << 31) and not VTCR_EL2 & (1 << 19)
    assert VTCR_EL2 == 0x80023558


def test_vttbr_ttbr_helpers() -> None:
    assert vttbr_el2(0x4000_2000, 3) == (3 << 48) | 0x4000_2000
    with pytest.raises(ValueError):
        vttbr_el2(0x4000_1000, 1)          # root of two concatenated tables: 8 KiB aligned
    with pytest.raises(ValueError):
        vttbr_el2(0x4000_2000, 256)
    assert ttbr0_el2(0x4000_1000) == 0x4000_1000
    with pytest.raises(ValueError):
        ttbr0_el2(0x4000_1800)


# -- stage 2 ----------------------------------------------------------------------------------

BASE = 0x4100_0000


def test_stage2_1g_block_exact_descriptor() -> None:
    ts = stage2_tables([Mapping(0x4000_0000, 0x4000_0000, G1, "rwx", "normal", "ram")], BASE,
                       blocks=True)
    assert ts.root == ts.base == BASE and len(ts.pages) == 2   # root only: the concatenated pair
    # L1 block: valid|block, MemAttr 0b1111, S2AP 0b11, SH inner, AF, executable
    assert ts.pages[0][1] == (0x4000_0000 | 0b01 | (0b1111 << 2) | (0b11 << 6) | (0b11 << 8)
                              | (1 << 10))
    assert ts.pages[0][1] == 0x4000_07FD
    assert sum(1 for p in ts.pages for d in p if d) == 1


def test_stage2_2m_blocks() -> None:
    m = Mapping(0x4800_0000, 0x5000_0000, 16 << 20, "rw", "normal", "linux")
    ts = stage2_tables([m], BASE, blocks=True)
    assert len(ts.pages) == 3
    assert ts.pages[0][1] == (BASE + 2 * K4) | 0b11                        # table -> L2
    l2 = ts.pages[2]
    blocks = [d for d in l2 if d]
    assert len(blocks) == 8
    assert l2[0x4800_0000 >> 21 & 511] == 0x5000_0000 | 0x7FD | (1 << 54)  # rw, XN
    check_roundtrip([m], ts, "stage2")


def test_stage2_mixed_pages_and_blocks() -> None:
    m = Mapping(0x4000_0000 - 0x2000, 0x8000_0000 - 0x2000, G1 + M2 + 0x3000, "rw", "normal", "mix")
    ts = stage2_tables([m], BASE, blocks=True)
    sizes = [s for _, _, s, _ in decode(ts, "stage2")]
    assert sizes == [K4, K4, G1, M2, K4]
    check_roundtrip([m], ts, "stage2")


def test_stage2_pages_only_even_when_a_block_fits() -> None:
    # blocks=False (QEMU virt, platform.stage2_blocks): 1 GiB = root pair + L2 + 512 L3
    ts = stage2_tables([Mapping(0x4000_0000, 0x4000_0000, G1, "rwx", "normal", "ram")], BASE,
                       blocks=False)
    assert ts.root == ts.base == BASE and len(ts.pages) == 2 + 1 + 512
    assert ts.pages[0][1] == (BASE + 2 * K4) | 0b11                        # table -> L2
    assert ts.pages[2][0] == (BASE + 3 * K4) | 0b11                        # table -> L3
    # L3 page: valid|page, MemAttr 0b1111, S2AP 0b11, SH inner, AF, executable
    assert ts.pages[3][0] == 0x4000_07FF
    leaves = decode(ts, "stage2")
    assert len(leaves) == G1 // K4 and {s for _, _, s, _ in leaves} == {K4}


def test_stage2_pages_only_2m_aligned_region() -> None:
    m = Mapping(0x4800_0000, 0x5000_0000, 16 << 20, "rw", "normal", "linux")
    ts = stage2_tables([m], BASE, blocks=False)
    assert len(ts.pages) == 2 + 1 + 8
    assert ts.pages[3][0] == 0x5000_0000 | 0x7FF | (1 << 54)                # rw, XN
    check_roundtrip([m], ts, "stage2", blocks=False)


def test_stage2_pages_when_unaligned() -> None:
    m = Mapping(0x4800_1000, 0x5000_1000, 0x3000, "ro", "normal", "small")
    ts = stage2_tables([m], BASE, blocks=True)
    assert len(ts.pages) == 4                                               # root x2, L2, L3
    l3 = ts.pages[3]
    assert l3[1] == (0x5000_1000 | 0b11 | (0b1111 << 2) | (0b01 << 6) | (0b11 << 8) | (1 << 10)
                     | (1 << 54))
    assert [i for i, d in enumerate(l3) if d] == [1, 2, 3]
    check_roundtrip([m], ts, "stage2")


def test_stage2_pa_misaligned_forces_pages() -> None:
    # VA 2 MiB aligned but PA only 4 KiB aligned: no block possible
    m = Mapping(0x4000_0000, 0x5000_1000, M2, "rw", "normal", "skew")
    ts = stage2_tables([m], BASE, blocks=True)
    leaves = decode(ts, "stage2")
    assert len(leaves) == 512 and {s for _, _, s, _ in leaves} == {K4}
    check_roundtrip([m], ts, "stage2")


def test_stage2_device_is_xn_nGnRE() -> None:
    m = Mapping(0x0900_0000, 0x0900_0000, K4, "rwx", "device", "uart")
    ts = stage2_tables([m], BASE, blocks=True)
    d = ts.pages[3][0]
    assert d == 0x0900_0000 | 0b11 | (0b0001 << 2) | (0b11 << 6) | (1 << 10) | (1 << 54)
    assert (d >> 8) & 3 == 0
    check_roundtrip([m], ts, "stage2")


def test_stage2_concatenated_root_second_page() -> None:
    hi = Mapping(1 << 39, 0x4000_0000, M2, "rw", "normal", "high")     # IPA bit 39 -> root page 1
    top = Mapping((1 << 40) - M2, 0x4000_0000, M2, "ro", "normal", "top")
    ts = stage2_tables([hi, top], BASE, blocks=True)
    assert ts.pages[1][0] & 3 == 3 and ts.pages[1][511] & 3 == 3 and not any(ts.pages[0])
    check_roundtrip([hi, top], ts, "stage2")
    with pytest.raises(ValueError, match="aligned"):
        stage2_tables([hi], BASE + K4, blocks=True)                   # root needs 8 KiB
    stage2_tables([hi], BASE + 2 * K4, blocks=True)


def test_stage2_ipa_range() -> None:
    with pytest.raises(ValueError, match="40-bit"):
        stage2_tables([Mapping((1 << 40) - K4, 0, 2 * K4, "ro", "normal", "x")], BASE,
                      blocks=True)
    with pytest.raises(ValueError, match="40 bits"):
        stage2_tables([Mapping(0, 1 << 40, K4, "ro", "normal", "x")], BASE, blocks=True)


# -- EL2 stage 1 --------------------------------------------------------------------------------

def test_el2_permissions_exact() -> None:
    maps = [Mapping(0x4000_0000, 0x4000_0000, K4, "rx", "normal", "text"),
            Mapping(0x4000_1000, 0x4000_1000, K4, "ro", "normal", "rodata"),
            Mapping(0x4000_2000, 0x4000_2000, K4, "rw", "normal", "data"),
            Mapping(0x0900_0000, 0x0900_0000, K4, "rw", "device", "uart")]
    ts = el2_tables(maps, BASE)
    assert len(ts.pages) == 5                                            # root, L2 x2, L3 x2
    leaves = {va: d for p in ts.pages[1:] for d in p if d & 3 == 3 and (va := d & OA) in
              {m.va for m in maps}}
    af, sh, page = 1 << 10, 0b11 << 8, 0b11
    assert leaves[0x4000_0000] == 0x4000_0000 | page | (0 << 2) | (0b11 << 6) | sh | af
    assert leaves[0x4000_1000] == 0x4000_1000 | page | (0b11 << 6) | sh | af | (1 << 54)
    assert leaves[0x4000_2000] == 0x4000_2000 | page | (0b01 << 6) | sh | af | (1 << 54)
    assert leaves[0x0900_0000] == 0x0900_0000 | page | (1 << 2) | (0b01 << 6) | af | (1 << 54)
    check_roundtrip(maps, ts, "el2")


def test_el2_rejects_wx_and_range() -> None:
    with pytest.raises(ValueError, match="W\\^X"):
        el2_tables([Mapping(0, 0, K4, "rwx", "normal", "bad")], BASE)
    with pytest.raises(ValueError, match="39-bit"):
        el2_tables([Mapping(1 << 39, 0, K4, "ro", "normal", "high")], BASE)
    el2_tables([Mapping((1 << 39) - K4, 0, K4, "ro", "normal", "top")], BASE)
    with pytest.raises(ValueError, match="aligned"):
        el2_tables([], BASE + 0x800)


def test_el2_blocks() -> None:
    m = Mapping(0x4000_0000, 0x4000_0000, G1 + 4 * M2, "rw", "normal", "ram")
    ts = el2_tables([m], BASE)
    assert ts.pages[0][1] == 0x4000_0000 | 0b01 | (0b01 << 6) | (0b11 << 8) | (1 << 10) | (1 << 54)
    assert [s for _, _, s, _ in decode(ts, "el2")] == [G1] + [M2] * 4
    check_roundtrip([m], ts, "el2")


# -- errors, determinism ------------------------------------------------------------------------

@pytest.mark.parametrize("bad, match", [
    ([Mapping(0x1000, 0, 0x2000, "ro", "normal", "a"),
      Mapping(0x2000, 0, 0x1000, "ro", "normal", "b")],
     "overlaps"),
    ([Mapping(0x1800, 0, 0x1000, "ro", "normal", "a")], "4 KiB"),
    ([Mapping(0x1000, 0x10, 0x1000, "ro", "normal", "a")], "4 KiB"),
    ([Mapping(0x1000, 0, 0x800, "ro", "normal", "a")], "4 KiB"),
    ([Mapping(0x1000, 0, 0, "ro", "normal", "a")], "4 KiB"),
    ([Mapping(0x1000, 0, 0x1000, "w", "normal", "a")], "permission"),
    ([Mapping(0x1000, 0, 0x1000, "ro", "strongly-ordered", "a")], "memory type"),
])
@pytest.mark.parametrize("gen", [partial(stage2_tables, blocks=True), el2_tables])
def test_errors(gen, bad: list[Mapping], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        gen(bad, BASE)


def test_overlap_names_both() -> None:
    with pytest.raises(ValueError) as exc:
        stage2_tables([Mapping(0, 0, 2 * K4, "ro", "normal", "alpha"),
                       Mapping(K4, 0, K4, "ro", "normal", "beta")], BASE, blocks=True)
    assert "alpha" in str(exc.value) and "beta" in str(exc.value)


def test_deterministic_and_base_independent_size() -> None:
    maps = [Mapping(0x4000_0000 + i * 0x10_0000, 0x6000_0000 + i * 0x10_0000, 0x5000, "rw",
                    "normal", f"m{i}") for i in range(5)]
    maps.append(Mapping(0x80_0000_0000, 0, K4, "ro", "device", "hi"))
    a = stage2_tables(maps, BASE, blocks=True)
    b = stage2_tables(list(reversed(maps)), BASE, blocks=True)
    assert a == b
    c = stage2_tables(maps, 0x2000, blocks=True)
    assert len(c.pages) == len(a.pages) and c.size == a.size == len(a.pages) * K4
    # tables allocated in VA order: the first next-level table follows the root
    assert a.pages[0][1] & OA == BASE + 2 * K4


def test_empty_and_to_bytes() -> None:
    ts = el2_tables([], BASE)
    assert ts.pages == ((0,) * 512,)
    ts = stage2_tables([Mapping(0, 0x4000_0000, G1, "ro", "normal", "a")], BASE, blocks=True)
    raw = ts.to_bytes()
    assert len(raw) == 2 * 4096 and raw[:8] == ts.pages[0][0].to_bytes(8, "little")


# -- property: random non-overlapping aligned mappings round-trip ---------------------------------

@st.composite
def mapping_sets(draw: st.DrawFn, regime: str) -> list[Mapping]:
    va_limit = 1 << (39 if regime == "el2" else 40)
    perms = ("ro", "rw", "rx") if regime == "el2" else ("ro", "rw", "rx", "rwx")
    maps: list[Mapping] = []
    va = 0
    for i in range(draw(st.integers(0, 6))):
        sizes = [st.integers(1, 1100).map(lambda k: k * K4),
                 st.integers(1, 3).map(lambda k: k * M2),
                 st.integers(1, 3).map(lambda k: k * (M2 + K4))]
        if regime != "stage2-pages":
            # pages only: a GiB is 2^18 leaves, too slow for 150 examples
            sizes += [st.just(G1), st.just(G1 + M2 + K4)]
        size = draw(st.one_of(*sizes))
        # a GiB-sized mapping with VA and PA only 4 KiB aligned is 2^18 pages: keep runs fast
        aligns = [K4, M2, G1] if size < G1 else [M2, G1]
        align = draw(st.sampled_from(aligns))
        gap = draw(st.sampled_from([0, K4, 17 * K4, M2, G1, 1 << 38]))
        va = -(-(va + gap) // align) * align
        if va + size > va_limit:
            break
        pa_align = draw(st.sampled_from(aligns))
        pa = draw(st.integers(0, ((1 << 40) - size) // pa_align)) * pa_align
        maps.append(Mapping(va, pa, size, draw(st.sampled_from(perms)),
                            draw(st.sampled_from(["normal", "device"])), f"m{i}"))
        va += size
    return draw(st.permutations(maps))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(maps=mapping_sets("stage2"))
def test_property_stage2_roundtrip(maps: list[Mapping]) -> None:
    ts = stage2_tables(maps, BASE, blocks=True)
    check_roundtrip(maps, ts, "stage2")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(maps=mapping_sets("stage2-pages"))
def test_property_stage2_pages_roundtrip(maps: list[Mapping]) -> None:
    ts = stage2_tables(maps, BASE, blocks=False)
    check_roundtrip(maps, ts, "stage2", blocks=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(maps=mapping_sets("el2"))
def test_property_el2_roundtrip(maps: list[Mapping]) -> None:
    ts = el2_tables(maps, 0x8000_0000)
    check_roundtrip(maps, ts, "el2")
