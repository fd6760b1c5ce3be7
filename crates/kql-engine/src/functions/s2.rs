//! S2 cells: `geo_point_to_s2cell`, `geo_s2cell_to_central_point`, `geo_s2cell_to_polygon`,
//! `geo_s2cell_neighbors`.
//!
//! The cell ids follow the S2 geometry library: six cube faces, the quadratic (u,v)↔(s,t)
//! projection, and a Hilbert curve over the 2³⁰×2³⁰ leaf cells of each face. A token is the id in
//! lowercase hex with trailing zeros removed (`89c259`). A cell's centre is the centre of its (s,t)
//! square, its polygon the four corners in S2's order, and its neighbours the eight cells around it
//! (S2's `GetAllNeighbors`) in the order the documented example shows, which may not be Kusto's
//! order on every face.

use super::geo::{geo_point, geo_polygon, point};
use super::{Cx, Func, f, int, s, string, t};
use crate::error::Result;
use crate::value::{Type, Value};

pub(crate) const FUNCTIONS: &[Func] = &[
    f(
        "geo_point_to_s2cell",
        2,
        3,
        t(Type::String),
        point_to_s2cell,
    ),
    f(
        "geo_s2cell_to_central_point",
        1,
        1,
        t(Type::Dynamic),
        |a, _| {
            Ok(match token_id(&s(&a[0])) {
                Some(id) => {
                    let (face, i, j, size) = face_ij(id);
                    let h = f64::from(size) / 2.0;
                    geo_point(lnglat(&face_st_xyz(
                        face,
                        (f64::from(i) + h) / MAX_SIZE_F,
                        (f64::from(j) + h) / MAX_SIZE_F,
                    )))
                }
                None => Value::Null,
            })
        },
    ),
    f("geo_s2cell_to_polygon", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(match token_id(&s(&a[0])) {
            Some(id) => {
                let mut ring = corners(id).to_vec();
                ring.push(ring[0]);
                geo_polygon(&[ring])
            }
            None => Value::Null,
        })
    }),
    f("geo_s2cell_neighbors", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(match token_id(&s(&a[0])) {
            Some(id) => Value::array(
                neighbors(id)
                    .into_iter()
                    .map(|n| string(token(n)))
                    .collect(),
            ),
            None => Value::Null,
        })
    }),
];

const MAX_LEVEL: u32 = 30;
const MAX_SIZE: i64 = 1 << MAX_LEVEL;
#[allow(clippy::cast_precision_loss)]
const MAX_SIZE_F: f64 = MAX_SIZE as f64;
const SWAP: u8 = 1;
const INVERT: u8 = 2;
const POS_TO_IJ: [[u8; 4]; 4] = [[0, 1, 3, 2], [0, 2, 3, 1], [3, 2, 0, 1], [3, 1, 0, 2]];
const IJ_TO_POS: [[u8; 4]; 4] = [[0, 1, 3, 2], [0, 3, 1, 2], [2, 3, 1, 0], [2, 1, 3, 0]];
const POS_TO_ORIENTATION: [u8; 4] = [SWAP, 0, 0, INVERT | SWAP];

fn point_to_s2cell(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let level = match a.get(2) {
        None => Some(11),
        Some(v) => int(v),
    };
    let (Some((lng, lat)), Some(level)) = (point(&a[0], &a[1]), level) else {
        return Ok(Value::Null);
    };
    if !(0..=i64::from(MAX_LEVEL)).contains(&level) {
        return Ok(Value::Null);
    }
    let (lat, lng) = (lat.to_radians(), lng.to_radians());
    let p = [lat.cos() * lng.cos(), lat.cos() * lng.sin(), lat.sin()];
    let (face, u, v) = xyz_face_uv(&p);
    let leaf = from_face_ij(face, st_to_ij(uv_to_st(u)), st_to_ij(uv_to_st(v)));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(string(token(parent(leaf, level as u32))))
}

fn xyz_face_uv(p: &[f64; 3]) -> (u8, f64, f64) {
    let (ax, ay, az) = (p[0].abs(), p[1].abs(), p[2].abs());
    let mut face = if ax > ay {
        if ax > az { 0 } else { 2 }
    } else if ay > az {
        1
    } else {
        2
    };
    if p[usize::from(face)] < 0.0 {
        face += 3;
    }
    let (x, y, z) = (p[0], p[1], p[2]);
    let (u, v) = match face {
        0 => (y / x, z / x),
        1 => (-x / y, z / y),
        2 => (-x / z, -y / z),
        3 => (z / x, y / x),
        4 => (z / y, -x / y),
        _ => (-y / z, -x / z),
    };
    (face, u, v)
}

fn face_uv_xyz(face: u8, u: f64, v: f64) -> [f64; 3] {
    match face {
        0 => [1.0, u, v],
        1 => [-u, 1.0, v],
        2 => [-u, -v, 1.0],
        3 => [-1.0, -v, -u],
        4 => [v, -1.0, -u],
        _ => [v, u, -1.0],
    }
}

fn face_st_xyz(face: u8, s: f64, t: f64) -> [f64; 3] {
    face_uv_xyz(face, st_to_uv(s), st_to_uv(t))
}

fn uv_to_st(u: f64) -> f64 {
    if u >= 0.0 {
        0.5 * (1.0 + 3.0 * u).sqrt()
    } else {
        1.0 - 0.5 * (1.0 - 3.0 * u).sqrt()
    }
}

fn st_to_uv(s: f64) -> f64 {
    if s >= 0.5 {
        (4.0 * s * s - 1.0) / 3.0
    } else {
        (1.0 - 4.0 * (1.0 - s) * (1.0 - s)) / 3.0
    }
}

#[allow(clippy::cast_possible_truncation)]
fn st_to_ij(s: f64) -> i64 {
    ((MAX_SIZE_F * s).floor() as i64).clamp(0, MAX_SIZE - 1)
}

fn lnglat(p: &[f64; 3]) -> (f64, f64) {
    let lat = p[2].atan2((p[0] * p[0] + p[1] * p[1]).sqrt()).to_degrees();
    let lng = p[1].atan2(p[0]).to_degrees();
    (lng, lat)
}

#[allow(clippy::cast_sign_loss)]
fn from_face_ij(face: u8, i: i64, j: i64) -> u64 {
    let mut orientation = face & SWAP;
    let mut pos: u64 = 0;
    for k in (0..MAX_LEVEL).rev() {
        let ij = ((((i >> k) & 1) << 1) | ((j >> k) & 1)) as usize;
        let p = IJ_TO_POS[usize::from(orientation)][ij];
        pos = (pos << 2) | u64::from(p);
        orientation ^= POS_TO_ORIENTATION[usize::from(p)];
    }
    (u64::from(face) << 61) | (pos << 1) | 1
}

fn lsb_for_level(level: u32) -> u64 {
    1u64 << (2 * (MAX_LEVEL - level))
}

fn level_of(id: u64) -> u32 {
    MAX_LEVEL - id.trailing_zeros() / 2
}

fn parent(id: u64, level: u32) -> u64 {
    let lsb = lsb_for_level(level);
    (id & lsb.wrapping_neg()) | lsb
}

/// Face, lower-left leaf (i, j) and size in leaves of a cell.
fn face_ij(id: u64) -> (u8, i32, i32, i32) {
    #[allow(clippy::cast_possible_truncation)]
    let face = (id >> 61) as u8;
    let level = level_of(id);
    let mut orientation = face & SWAP;
    let (mut i, mut j) = (0i32, 0i32);
    for l in 0..level {
        let k = MAX_LEVEL - 1 - l;
        #[allow(clippy::cast_possible_truncation)]
        let p = ((id >> (2 * k + 1)) & 3) as usize;
        let ij = POS_TO_IJ[usize::from(orientation)][p];
        i |= i32::from(ij >> 1) << k;
        j |= i32::from(ij & 1) << k;
        orientation ^= POS_TO_ORIENTATION[p];
    }
    (face, i, j, 1 << (MAX_LEVEL - level))
}

fn corners(id: u64) -> [(f64, f64); 4] {
    let (face, i, j, size) = face_ij(id);
    let (s0, s1) = (f64::from(i) / MAX_SIZE_F, f64::from(i + size) / MAX_SIZE_F);
    let (t0, t1) = (f64::from(j) / MAX_SIZE_F, f64::from(j + size) / MAX_SIZE_F);
    // S2's corner order: (lo,lo), (hi,lo), (hi,hi), (lo,hi)
    let v = [(s0, t0), (s1, t0), (s1, t1), (s0, t1)];
    v.map(|(s, t)| lnglat(&face_st_xyz(face, s, t)))
}

fn from_face_ij_wrap(face: u8, i: i64, j: i64) -> u64 {
    let i = i.clamp(-1, MAX_SIZE);
    let j = j.clamp(-1, MAX_SIZE);
    let limit = 1.0 + f64::EPSILON;
    #[allow(clippy::cast_precision_loss)]
    let u = ((2 * (i - MAX_SIZE / 2) + 1) as f64 / MAX_SIZE_F).clamp(-limit, limit);
    #[allow(clippy::cast_precision_loss)]
    let v = ((2 * (j - MAX_SIZE / 2) + 1) as f64 / MAX_SIZE_F).clamp(-limit, limit);
    let p = face_uv_xyz(face, u, v);
    let (face, u, v) = xyz_face_uv(&p);
    from_face_ij(face, st_to_ij(0.5 * (u + 1.0)), st_to_ij(0.5 * (v + 1.0)))
}

fn from_face_ij_same(face: u8, i: i64, j: i64, same: bool) -> u64 {
    if same {
        from_face_ij(face, i, j)
    } else {
        from_face_ij_wrap(face, i, j)
    }
}

/// The eight neighbours at the cell's own level, in S2 `GetAllNeighbors` order.
fn neighbors(id: u64) -> Vec<u64> {
    let level = level_of(id);
    let (face, i, j, size) = face_ij(id);
    let (i, j, size) = (i64::from(i), i64::from(j), i64::from(size));
    let mut out = Vec::with_capacity(8);
    let mut k = -size;
    loop {
        let same_face = if k < 0 {
            j + k >= 0
        } else if k >= size {
            j + k < MAX_SIZE
        } else {
            out.push(from_face_ij_same(face, i + k, j - size, j - size >= 0));
            out.push(from_face_ij_same(
                face,
                i + k,
                j + size,
                j + size < MAX_SIZE,
            ));
            true
        };
        out.push(from_face_ij_same(
            face,
            i - size,
            j + k,
            same_face && i - size >= 0,
        ));
        out.push(from_face_ij_same(
            face,
            i + size,
            j + k,
            same_face && i + size < MAX_SIZE,
        ));
        if k >= size {
            break;
        }
        k += size;
    }
    let mut cells: Vec<u64> = out.into_iter().map(|c| parent(c, level)).collect();
    // Kusto lists them as (i+1,j+1) first and the two same-row ones swapped (the documented
    // `geo_s2cell_neighbors('89c259')`)
    if cells.len() == 8 {
        cells = [7, 0, 1, 2, 3, 5, 4, 6].iter().map(|&k| cells[k]).collect();
    }
    // a cell at a cube corner has only seven neighbours: S2 repeats one
    let mut seen = std::collections::HashSet::new();
    cells.retain(|c| seen.insert(*c));
    cells
}

fn token(id: u64) -> String {
    if id == 0 {
        return "X".into();
    }
    let hex = format!("{id:016x}");
    hex.trim_end_matches('0').to_string()
}

/// A valid cell id from its token.
fn token_id(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 16 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let id = u64::from_str_radix(&format!("{text:0<16}"), 16).ok()?;
    let valid = (id >> 61) < 6 && id != 0 && (id & id.wrapping_neg() & 0x1555_5555_5555_5555) != 0;
    valid.then_some(id)
}
