//! Geospatial functions: distances and directions on the sphere, geohash and H3 cells, GeoJSON
//! points/lines/polygons (point-in-polygon, areas, centroids, line operations), and WKT parsing.
//!
//! The Earth is Kusto's sphere of radius 6,371,010 m (the S2 library's; the geo-distance-2points page's
//! `1546754.35197381` m from Seattle to Los Angeles is the great-circle distance on it). Coordinates
//! are longitude, latitude in degrees (WGS-84); invalid ones make the result null. Lines and polygon
//! edges are geodesics, as in S2. H3 cells use the `h3o` crate (the H3 reference algorithms).
//!
//! Knowing difference: `geo_point_in_polygon` decides inside/outside with straight edges in
//! longitude/latitude rather than geodesic edges, which only matters for points within metres of a
//! long edge.

use std::f64::consts::PI;

use super::{Cx, Func, f, int, real, s, string, t};
use crate::error::Result;
use crate::value::{Bag, Type, Value};

/// The S2 library's Earth radius, in metres.
pub(crate) const EARTH_RADIUS: f64 = 6_371_010.0;

pub(crate) const FUNCTIONS: &[Func] = &[
    f("geo_distance_2points", 4, 5, t(Type::Real), |a, _| {
        Ok(match (point(&a[0], &a[1]), point(&a[2], &a[3])) {
            (Some(p), Some(q)) => Value::Real(angle(&unit(p), &unit(q)) * EARTH_RADIUS),
            _ => Value::Null,
        })
    }),
    f("geo_point_in_circle", 5, 5, t(Type::Bool), |a, _| {
        Ok(
            match (point(&a[0], &a[1]), point(&a[2], &a[3]), real(&a[4])) {
                (Some(p), Some(c), Some(r)) if r >= 0.0 => {
                    Value::Bool(angle(&unit(p), &unit(c)) * EARTH_RADIUS <= r)
                }
                _ => Value::Null,
            },
        )
    }),
    f("geo_azimuth", 4, 4, t(Type::Real), |a, _| {
        Ok(match (point(&a[0], &a[1]), point(&a[2], &a[3])) {
            (Some(p), Some(q)) if p != q => Value::Real(azimuth(p, q)),
            _ => Value::Null,
        })
    }),
    f("geo_angle", 6, 6, t(Type::Real), |a, _| {
        Ok(
            match (
                point(&a[0], &a[1]),
                point(&a[2], &a[3]),
                point(&a[4], &a[5]),
            ) {
                (Some(p1), Some(p2), Some(p3)) if p1 != p2 && p3 != p2 => {
                    Value::Real((azimuth(p2, p3) - azimuth(p2, p1)).rem_euclid(2.0 * PI))
                }
                _ => Value::Null,
            },
        )
    }),
    f("geo_point_to_geohash", 2, 3, t(Type::String), |a, _| {
        let acc = match a.get(2) {
            None => Some(5),
            Some(v) => int(v),
        };
        Ok(match (point(&a[0], &a[1]), acc) {
            (Some(p), Some(n)) if (1..=18).contains(&n) => {
                string(geohash_encode(p, usize::try_from(n).unwrap_or(5)))
            }
            _ => string(""),
        })
    }),
    f(
        "geo_geohash_to_central_point",
        1,
        1,
        t(Type::Dynamic),
        |a, _| {
            Ok(
                geohash_decode(&s(&a[0])).map_or(Value::Null, |(w, so, e, n)| {
                    geo_point((f64::midpoint(w, e), f64::midpoint(so, n)))
                }),
            )
        },
    ),
    f("geo_geohash_to_polygon", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(
            geohash_decode(&s(&a[0])).map_or(Value::Null, |(w, so, e, n)| {
                geo_polygon(&[vec![(w, so), (e, so), (e, n), (w, n), (w, so)]])
            }),
        )
    }),
    f("geo_geohash_neighbors", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(geohash_neighbors(&s(&a[0])).map_or(Value::Null, |v| {
            Value::array(v.into_iter().map(string).collect())
        }))
    }),
    f("geo_point_to_h3cell", 2, 3, t(Type::String), |a, _| {
        let res = match a.get(2) {
            None => Some(6),
            Some(v) => int(v),
        };
        Ok(
            match (
                point(&a[0], &a[1]),
                res.and_then(|r| u8::try_from(r).ok())
                    .and_then(|r| h3o::Resolution::try_from(r).ok()),
            ) {
                (Some((lng, lat)), Some(r)) => match h3o::LatLng::new(lat, lng) {
                    Ok(ll) => string(ll.to_cell(r).to_string()),
                    Err(_) => string(""),
                },
                _ => string(""),
            },
        )
    }),
    f("geo_h3cell_level", 1, 1, t(Type::Int), |a, _| {
        Ok(h3(&a[0]).map_or(Value::Null, |c| {
            Value::Int(i32::from(u8::from(c.resolution())))
        }))
    }),
    f("geo_h3cell_parent", 1, 2, t(Type::String), |a, _| {
        let Some(c) = h3(&a[0]) else {
            return Ok(string(""));
        };
        let level = i64::from(u8::from(c.resolution()));
        let want = match a.get(1) {
            None => level - 1,
            Some(v) => int(v).unwrap_or(-1),
        };
        Ok(h3_res(want)
            .filter(|r| i64::from(u8::from(*r)) <= level)
            .and_then(|r| c.parent(r))
            .map_or_else(|| string(""), |p| string(p.to_string())))
    }),
    f("geo_h3cell_children", 1, 2, t(Type::Dynamic), |a, _| {
        let Some(c) = h3(&a[0]) else {
            return Ok(Value::Null);
        };
        let level = i64::from(u8::from(c.resolution()));
        let want = match a.get(1) {
            None => level + 1,
            Some(v) => int(v).unwrap_or(-1),
        };
        // Kusto allows children at most 5 levels down
        if want < level || want > level + 5 {
            return Ok(Value::Null);
        }
        Ok(h3_res(want).map_or(Value::Null, |r| {
            Value::array(c.children(r).map(|x| string(x.to_string())).collect())
        }))
    }),
    f("geo_intersects_2lines", 2, 2, t(Type::Bool), |a, _| {
        Ok(match (lines(&a[0]), lines(&a[1])) {
            (Some(x), Some(y)) => {
                let (pts, segs) = lines_intersection(&x, &y);
                Value::Bool(!pts.is_empty() || !segs.is_empty())
            }
            _ => Value::Null,
        })
    }),
    f("geo_intersection_2lines", 2, 2, t(Type::Dynamic), |a, _| {
        Ok(match (lines(&a[0]), lines(&a[1])) {
            (Some(x), Some(y)) => {
                let (pts, segs) = lines_intersection(&x, &y);
                intersection_value(&pts, segs)
            }
            _ => Value::Null,
        })
    }),
    f("geo_h3cell_neighbors", 1, 1, t(Type::Dynamic), |a, _| {
        let Some(c) = h3(&a[0]) else {
            return Ok(Value::Null);
        };
        Ok(Value::array(
            c.grid_disk_distances::<Vec<_>>(1)
                .into_iter()
                .filter(|&(_, d)| d == 1)
                .map(|(cell, _)| string(cell.to_string()))
                .collect(),
        ))
    }),
    f("geo_h3cell_rings", 2, 2, t(Type::Dynamic), |a, _| {
        let (Some(c), Some(k)) = (h3(&a[0]), int(&a[1])) else {
            return Ok(Value::Null);
        };
        if !(0..=142).contains(&k) {
            return Ok(Value::Null);
        }
        let k = u32::try_from(k).unwrap_or(0);
        let mut rings: Vec<Vec<Value>> = vec![Vec::new(); k as usize + 1];
        for (cell, d) in c.grid_disk_distances::<Vec<_>>(k) {
            if let Some(r) = rings.get_mut(d as usize) {
                r.push(string(cell.to_string()));
            }
        }
        Ok(Value::array(rings.into_iter().map(Value::array).collect()))
    }),
    f(
        "geo_h3cell_to_central_point",
        1,
        1,
        t(Type::Dynamic),
        |a, _| {
            Ok(h3(&a[0]).map_or(Value::Null, |c| {
                let ll = h3o::LatLng::from(c);
                geo_point((ll.lng(), ll.lat()))
            }))
        },
    ),
    f("geo_h3cell_to_polygon", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(h3(&a[0]).map_or(Value::Null, |c| {
            let mut ring: Vec<(f64, f64)> =
                c.boundary().iter().map(|ll| (ll.lng(), ll.lat())).collect();
            // counter-clockwise like H3's boundary, closed
            if let Some(first) = ring.first().copied() {
                ring.push(first);
            }
            geo_polygon(&[ring])
        }))
    }),
    f("geo_point_in_polygon", 3, 3, t(Type::Bool), |a, _| {
        let (Some(p), Some(polys)) = (point(&a[0], &a[1]), polygons(&a[2])) else {
            return Ok(Value::Null);
        };
        Ok(Value::Bool(polys.iter().any(|rings| in_polygon(p, rings))))
    }),
    f("geo_distance_point_to_line", 3, 4, t(Type::Real), |a, _| {
        let (Some(p), Some(lines)) = (point(&a[0], &a[1]), lines(&a[2])) else {
            return Ok(Value::Null);
        };
        let x = unit(p);
        let d = lines
            .iter()
            .flat_map(|l| l.windows(2))
            .map(|w| edge_distance(&x, &unit(w[0]), &unit(w[1])))
            .fold(f64::INFINITY, f64::min);
        Ok(if d.is_finite() {
            Value::Real(d * EARTH_RADIUS)
        } else {
            Value::Null
        })
    }),
    f(
        "geo_closest_point_on_line",
        3,
        4,
        t(Type::Dynamic),
        |a, _| {
            let (Some(p), Some(lines)) = (point(&a[0], &a[1]), lines(&a[2])) else {
                return Ok(Value::Null);
            };
            let x = unit(p);
            let best = lines
                .iter()
                .flat_map(|l| l.windows(2))
                .map(|w| project(&x, &unit(w[0]), &unit(w[1])))
                .min_by(|u, v| angle(&x, u).total_cmp(&angle(&x, v)));
            Ok(best.map_or(Value::Null, |q| geo_point(lnglat(&q))))
        },
    ),
    f("geo_line_centroid", 1, 1, t(Type::Dynamic), |a, _| {
        let Some(lines) = lines(&a[0]) else {
            return Ok(Value::Null);
        };
        let mut c = [0.0; 3];
        for l in &lines {
            for w in l.windows(2) {
                let tc = true_centroid_edge(&unit(w[0]), &unit(w[1]));
                add(&mut c, &tc);
            }
        }
        Ok(normalize(&c).map_or(Value::Null, |u| geo_point(lnglat(&u))))
    }),
    f(
        "geo_line_interpolate_point",
        2,
        2,
        t(Type::Dynamic),
        |a, _| {
            let (Some(lines), Some(frac)) = (lines(&a[0]), real(&a[1])) else {
                return Ok(Value::Null);
            };
            if !(0.0..=1.0).contains(&frac) {
                return Ok(Value::Null);
            }
            let pts: Vec<[f64; 3]> = lines.iter().flatten().map(|p| unit(*p)).collect();
            Ok(interpolate(&pts, frac).map_or(Value::Null, |u| geo_point(lnglat(&u))))
        },
    ),
    f("geo_line_locate_point", 3, 4, t(Type::Real), |a, _| {
        let (Some(lines), Some(p)) = (lines(&a[0]), point(&a[1], &a[2])) else {
            return Ok(Value::Null);
        };
        let pts: Vec<[f64; 3]> = lines.iter().flatten().map(|p| unit(*p)).collect();
        Ok(locate(&pts, &unit(p)).map_or(Value::Null, Value::Real))
    }),
    f("geo_polygon_area", 1, 1, t(Type::Real), |a, _| {
        let Some(polys) = polygons(&a[0]) else {
            return Ok(Value::Null);
        };
        overlap_guard("geo_polygon_area", &polys)?;
        let mut area = 0.0;
        for rings in &polys {
            for (i, r) in rings.iter().enumerate() {
                let ar = ring_area(r);
                area += if i == 0 { ar } else { -ar };
            }
        }
        Ok(Value::Real(area * EARTH_RADIUS * EARTH_RADIUS))
    }),
    f("geo_polygon_centroid", 1, 1, t(Type::Dynamic), |a, _| {
        let Some(polys) = polygons(&a[0]) else {
            return Ok(Value::Null);
        };
        overlap_guard("geo_polygon_centroid", &polys)?;
        let mut c = [0.0; 3];
        for rings in &polys {
            for (i, r) in rings.iter().enumerate() {
                let rc = ring_centroid(r);
                let sign = if i == 0 { 1.0 } else { -1.0 };
                for k in 0..3 {
                    c[k] += sign * rc[k];
                }
            }
        }
        Ok(normalize(&c).map_or(Value::Null, |u| geo_point(lnglat(&u))))
    }),
    f("geo_from_wkt", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(wkt::parse(&s(&a[0])).unwrap_or(Value::Null))
    }),
    f("geo_line_densify", 1, 3, t(Type::Dynamic), line_densify),
];

// ---- points and vectors ----------------------------------------------------------------------

/// A valid (longitude, latitude).
pub(crate) fn point(lng: &Value, lat: &Value) -> Option<(f64, f64)> {
    let (x, y) = (real(lng)?, real(lat)?);
    ((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)).then_some((x, y))
}

fn unit((lng, lat): (f64, f64)) -> [f64; 3] {
    let (l, p) = (lng.to_radians(), lat.to_radians());
    [p.cos() * l.cos(), p.cos() * l.sin(), p.sin()]
}

fn lnglat(u: &[f64; 3]) -> (f64, f64) {
    let lat = u[2].atan2((u[0] * u[0] + u[1] * u[1]).sqrt());
    let lng = u[1].atan2(u[0]);
    (lng.to_degrees(), lat.to_degrees())
}

fn dot(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: &[f64; 3], b: &[f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn norm(a: &[f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

fn normalize(a: &[f64; 3]) -> Option<[f64; 3]> {
    let n = norm(a);
    (n > 0.0).then(|| [a[0] / n, a[1] / n, a[2] / n])
}

fn add(acc: &mut [f64; 3], v: &[f64; 3]) {
    for k in 0..3 {
        acc[k] += v[k];
    }
}

/// The angle between two unit vectors (robust for small angles).
fn angle(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    norm(&cross(a, b)).atan2(dot(a, b))
}

/// Initial bearing from p to q, clockwise from north, in [0, 2π).
fn azimuth((l1, p1): (f64, f64), (l2, p2): (f64, f64)) -> f64 {
    let (p1, p2, dl) = (p1.to_radians(), p2.to_radians(), (l2 - l1).to_radians());
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    y.atan2(x).rem_euclid(2.0 * PI)
}

/// The closest point to x on the geodesic edge a–b.
fn project(x: &[f64; 3], a: &[f64; 3], b: &[f64; 3]) -> [f64; 3] {
    let n = cross(a, b);
    let Some(n) = normalize(&n) else {
        return *a;
    };
    // x projected onto the edge's great circle
    let d = dot(x, &n);
    let p = [x[0] - d * n[0], x[1] - d * n[1], x[2] - d * n[2]];
    let Some(p) = normalize(&p) else {
        return *a;
    };
    // inside the edge when it lies between a and b
    if dot(&cross(a, &p), &n) >= 0.0 && dot(&cross(&p, b), &n) >= 0.0 {
        p
    } else if angle(x, a) <= angle(x, b) {
        *a
    } else {
        *b
    }
}

/// The angle from x to the geodesic edge a–b.
fn edge_distance(x: &[f64; 3], a: &[f64; 3], b: &[f64; 3]) -> f64 {
    angle(x, &project(x, a, b))
}

/// S2's true centroid of an edge: its midpoint direction scaled by its length.
fn true_centroid_edge(a: &[f64; 3], b: &[f64; 3]) -> [f64; 3] {
    let v = [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
    let n = norm(&v);
    if n == 0.0 {
        return [0.0; 3];
    }
    let theta = angle(a, b);
    [v[0] / n * theta, v[1] / n * theta, v[2] / n * theta]
}

fn slerp(a: &[f64; 3], b: &[f64; 3], t: f64) -> [f64; 3] {
    let theta = angle(a, b);
    if theta == 0.0 {
        return *a;
    }
    let (s0, s1) = (
        ((1.0 - t) * theta).sin() / theta.sin(),
        (t * theta).sin() / theta.sin(),
    );
    [
        s0 * a[0] + s1 * b[0],
        s0 * a[1] + s1 * b[1],
        s0 * a[2] + s1 * b[2],
    ]
}

fn interpolate(pts: &[[f64; 3]], frac: f64) -> Option<[f64; 3]> {
    if pts.len() < 2 {
        return None;
    }
    let lens: Vec<f64> = pts.windows(2).map(|w| angle(&w[0], &w[1])).collect();
    let total: f64 = lens.iter().sum();
    if total == 0.0 {
        return None;
    }
    let mut target = frac * total;
    for (w, l) in pts.windows(2).zip(&lens) {
        if target <= *l || (l - target).abs() < 1e-15 {
            return Some(slerp(
                &w[0],
                &w[1],
                if *l == 0.0 { 0.0 } else { target / l },
            ));
        }
        target -= l;
    }
    pts.last().copied()
}

fn locate(pts: &[[f64; 3]], x: &[f64; 3]) -> Option<f64> {
    if pts.len() < 2 {
        return None;
    }
    let lens: Vec<f64> = pts.windows(2).map(|w| angle(&w[0], &w[1])).collect();
    let total: f64 = lens.iter().sum();
    if total == 0.0 {
        return None;
    }
    let mut best = (f64::INFINITY, 0.0);
    let mut before = 0.0;
    for (w, l) in pts.windows(2).zip(&lens) {
        let p = project(x, &w[0], &w[1]);
        let d = angle(x, &p);
        if d < best.0 {
            best = (d, before + angle(&w[0], &p));
        }
        before += l;
    }
    Some(best.1 / total)
}

/// The signed area of the spherical triangle a, b, c (l'Huilier).
fn triangle_area(a: &[f64; 3], b: &[f64; 3], c: &[f64; 3]) -> f64 {
    let (sa, sb, sc) = (angle(b, c), angle(c, a), angle(a, b));
    let s = 0.5 * (sa + sb + sc);
    let e = (((s / 2.0).tan()
        * ((s - sa) / 2.0).tan()
        * ((s - sb) / 2.0).tan()
        * ((s - sc) / 2.0).tan())
    .max(0.0))
    .sqrt()
    .atan()
        * 4.0;
    if dot(&cross(a, b), c) < 0.0 { -e } else { e }
}

/// The area of a ring (its smaller side), in steradians.
fn ring_area(r: &[(f64, f64)]) -> f64 {
    let pts: Vec<[f64; 3]> = r.iter().map(|p| unit(*p)).collect();
    if pts.len() < 4 {
        return 0.0;
    }
    let mut a = 0.0;
    for i in 1..pts.len() - 2 {
        a += triangle_area(&pts[0], &pts[i], &pts[i + 1]);
    }
    let a = a.abs();
    a.min(4.0 * PI - a)
}

/// S2's true centroid of a ring (sum of its fan triangles' centroids, area-weighted).
fn ring_centroid(r: &[(f64, f64)]) -> [f64; 3] {
    let pts: Vec<[f64; 3]> = r.iter().map(|p| unit(*p)).collect();
    let mut c = [0.0; 3];
    if pts.len() < 4 {
        return c;
    }
    for i in 1..pts.len() - 2 {
        let (a, b, d) = (&pts[0], &pts[i], &pts[i + 1]);
        let area = triangle_area(a, b, d);
        let m = [a[0] + b[0] + d[0], a[1] + b[1] + d[1], a[2] + b[2] + d[2]];
        if let Some(m) = normalize(&m) {
            for k in 0..3 {
                c[k] += m[k] * area;
            }
        }
    }
    let sign = if dot(&c, &pts[0]) < 0.0 { -1.0 } else { 1.0 };
    [c[0] * sign, c[1] * sign, c[2] * sign]
}

/// Kusto measures a MultiPolygon as the union of its polygons; without a polygon union the engine can
/// only measure polygons whose bounding boxes are apart, and says so otherwise.
fn overlap_guard(func: &str, polys: &[Vec<Vec<(f64, f64)>>]) -> Result<()> {
    let bbox = |rings: &Vec<Vec<(f64, f64)>>| {
        let pts = rings.first().map_or(&[][..], Vec::as_slice);
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in pts {
            x0 = x0.min(*x);
            y0 = y0.min(*y);
            x1 = x1.max(*x);
            y1 = y1.max(*y);
        }
        (x0, y0, x1, y1)
    };
    let boxes: Vec<_> = polys.iter().map(bbox).collect();
    for i in 0..boxes.len() {
        for j in i + 1..boxes.len() {
            let (a, b) = (boxes[i], boxes[j]);
            if a.0 <= b.2 && b.0 <= a.2 && a.1 <= b.3 && b.1 <= a.3 {
                return Err(crate::error::EvalError::unsupported(format!(
                    "`{func}` of a MultiPolygon whose polygons may overlap (it needs a polygon union)"
                )));
            }
        }
    }
    Ok(())
}

/// Even-odd test in longitude/latitude, holes subtracted.
fn in_polygon(p: (f64, f64), rings: &[Vec<(f64, f64)>]) -> bool {
    let inside = |r: &Vec<(f64, f64)>| {
        let mut c = false;
        for w in r.windows(2) {
            let ((x1, y1), (x2, y2)) = (w[0], w[1]);
            if (y1 > p.1) != (y2 > p.1) && p.0 < (x2 - x1) * (p.1 - y1) / (y2 - y1) + x1 {
                c = !c;
            }
        }
        c
    };
    match rings.split_first() {
        Some((shell, holes)) => inside(shell) && !holes.iter().any(inside),
        None => false,
    }
}

// ---- GeoJSON ------------------------------------------------------------------------------

fn coord(v: &Value) -> Option<(f64, f64)> {
    let Value::Array(a) = v else { return None };
    point(a.first()?, a.get(1)?)
}

fn coords(v: &Value) -> Option<Vec<(f64, f64)>> {
    let Value::Array(a) = v else { return None };
    a.iter().map(coord).collect()
}

fn geometry(v: &Value) -> Option<(String, Value)> {
    let Value::Bag(b) = v else { return None };
    let ty = b.get("type")?.as_str()?.to_string();
    Some((ty, b.get("coordinates")?.clone()))
}

/// Lines of a LineString / MultiLineString (at least two points each).
fn lines(v: &Value) -> Option<Vec<Vec<(f64, f64)>>> {
    let (ty, c) = geometry(v)?;
    let out = match ty.as_str() {
        "LineString" => vec![coords(&c)?],
        "MultiLineString" => match &c {
            Value::Array(a) => a.iter().map(coords).collect::<Option<Vec<_>>>()?,
            _ => return None,
        },
        _ => return None,
    };
    out.iter().all(|l| l.len() >= 2).then_some(out)
}

/// A polygon: rings of (longitude, latitude), the shell then its holes.
type Polygon = Vec<Vec<(f64, f64)>>;

/// Polygons (rings: shell then holes) of a Polygon / MultiPolygon; each ring closed with at least
/// three distinct vertices.
fn polygons(v: &Value) -> Option<Vec<Polygon>> {
    let (ty, c) = geometry(v)?;
    let rings_of = |v: &Value| -> Option<Vec<Vec<(f64, f64)>>> {
        let Value::Array(a) = v else { return None };
        let rings: Vec<Vec<(f64, f64)>> = a.iter().map(coords).collect::<Option<_>>()?;
        let ok = !rings.is_empty()
            && rings.iter().all(|r| {
                let mut distinct: Vec<(f64, f64)> = Vec::new();
                for p in r {
                    if !distinct.contains(p) {
                        distinct.push(*p);
                    }
                }
                r.len() >= 4 && r.first() == r.last() && distinct.len() >= 3
            });
        ok.then_some(rings)
    };
    match ty.as_str() {
        "Polygon" => Some(vec![rings_of(&c)?]),
        "MultiPolygon" => match &c {
            Value::Array(a) => a.iter().map(rings_of).collect(),
            _ => None,
        },
        _ => None,
    }
}

/// True when x (on the great circle of a–b) lies on the arc a–b.
fn on_arc(x: &[f64; 3], a: &[f64; 3], b: &[f64; 3]) -> bool {
    (angle(a, x) + angle(x, b) - angle(a, b)).abs() < 1e-12
}

/// Crossing points and shared pieces of two sets of polylines, with geodesic edges. Shared pieces
/// keep the input's coordinates where they end at an input vertex.
#[allow(clippy::type_complexity)]
fn lines_intersection(
    x: &[Vec<(f64, f64)>],
    y: &[Vec<(f64, f64)>],
) -> (Vec<(f64, f64)>, Vec<((f64, f64), (f64, f64))>) {
    let mut pts: Vec<(f64, f64)> = Vec::new();
    let mut segs: Vec<((f64, f64), (f64, f64))> = Vec::new();
    let close = |p: &[f64; 3], q: &[f64; 3]| angle(p, q) < 1e-12;
    for l1 in x {
        for e1 in l1.windows(2) {
            let (a1, b1) = (unit(e1[0]), unit(e1[1]));
            for l2 in y {
                for e2 in l2.windows(2) {
                    let (a2, b2) = (unit(e2[0]), unit(e2[1]));
                    let n1 = cross(&a1, &b1);
                    let n2 = cross(&a2, &b2);
                    let d = cross(&n1, &n2);
                    if norm(&d) < 1e-15 * (norm(&n1) * norm(&n2)).max(f64::MIN_POSITIVE) {
                        // same great circle: the overlap, if any
                        let mut ends: Vec<((f64, f64), [f64; 3])> = Vec::new();
                        for (ll, u) in [(e1[0], a1), (e1[1], b1)] {
                            if on_arc(&u, &a2, &b2) {
                                ends.push((ll, u));
                            }
                        }
                        for (ll, u) in [(e2[0], a2), (e2[1], b2)] {
                            if on_arc(&u, &a1, &b1) && !ends.iter().any(|(_, v)| close(v, &u)) {
                                ends.push((ll, u));
                            }
                        }
                        match ends.len() {
                            0 => {}
                            1 => pts.push(ends[0].0),
                            _ => {
                                // order along e1
                                ends.sort_by(|p, q| angle(&a1, &p.1).total_cmp(&angle(&a1, &q.1)));
                                let (p, q) = (ends[0], ends[ends.len() - 1]);
                                if close(&p.1, &q.1) {
                                    pts.push(p.0);
                                } else {
                                    segs.push((p.0, q.0));
                                }
                            }
                        }
                        continue;
                    }
                    let Some(dn) = normalize(&d) else { continue };
                    for c in [dn, [-dn[0], -dn[1], -dn[2]]] {
                        if on_arc(&c, &a1, &b1) && on_arc(&c, &a2, &b2) {
                            // an input vertex keeps its coordinates
                            let ll = [e1[0], e1[1], e2[0], e2[1]]
                                .into_iter()
                                .find(|v| close(&unit(*v), &c))
                                .unwrap_or_else(|| lnglat(&c));
                            pts.push(ll);
                        }
                    }
                }
            }
        }
    }
    // points on shared pieces are not reported twice
    pts.retain(|p| {
        let u = unit(*p);
        !segs.iter().any(|(a, b)| on_arc(&u, &unit(*a), &unit(*b)))
    });
    let mut uniq: Vec<(f64, f64)> = Vec::new();
    for p in pts {
        if !uniq.iter().any(|q| close(&unit(*q), &unit(p))) {
            uniq.push(p);
        }
    }
    (uniq, segs)
}

/// The GeoJSON of an intersection: a Point, MultiPoint, LineString (consecutive shared pieces
/// chained), MultiLineString, a GeometryCollection of both kinds, or an empty GeometryCollection.
fn intersection_value(pts: &[(f64, f64)], segs: Vec<((f64, f64), (f64, f64))>) -> Value {
    let mut chains: Vec<Vec<(f64, f64)>> = Vec::new();
    for (a, b) in segs {
        match chains.last_mut() {
            Some(c) if c.last() == Some(&a) => c.push(b),
            _ => chains.push(vec![a, b]),
        }
    }
    let point_geom = |pts: &[(f64, f64)]| -> Value {
        if pts.len() == 1 {
            geo_point(pts[0])
        } else {
            let mut b = Bag::new();
            b.insert("type", Value::string("MultiPoint"));
            b.insert("coordinates", ring_value(pts));
            Value::bag(b)
        }
    };
    let line_geom = |chains: &[Vec<(f64, f64)>]| -> Value {
        if chains.len() == 1 {
            geo_line(&chains[0])
        } else {
            let mut b = Bag::new();
            b.insert("type", Value::string("MultiLineString"));
            b.insert(
                "coordinates",
                Value::array(chains.iter().map(|c| ring_value(c)).collect()),
            );
            Value::bag(b)
        }
    };
    let geoms: Vec<Value> = match (pts.is_empty(), chains.is_empty()) {
        (false, true) => return point_geom(pts),
        (true, false) => return line_geom(&chains),
        (true, true) => Vec::new(),
        (false, false) => vec![point_geom(pts), line_geom(&chains)],
    };
    let mut b = Bag::new();
    b.insert("type", Value::string("GeometryCollection"));
    b.insert("geometries", Value::array(geoms));
    Value::bag(b)
}

fn num(x: f64) -> Value {
    Value::Real(x)
}

pub(crate) fn geo_point((lng, lat): (f64, f64)) -> Value {
    let mut b = Bag::new();
    b.insert("type", Value::string("Point"));
    b.insert("coordinates", Value::array(vec![num(lng), num(lat)]));
    Value::bag(b)
}

fn ring_value(r: &[(f64, f64)]) -> Value {
    Value::array(
        r.iter()
            .map(|(x, y)| Value::array(vec![num(*x), num(*y)]))
            .collect(),
    )
}

pub(crate) fn geo_polygon(rings: &[Vec<(f64, f64)>]) -> Value {
    let mut b = Bag::new();
    b.insert("type", Value::string("Polygon"));
    b.insert(
        "coordinates",
        Value::array(rings.iter().map(|r| ring_value(r)).collect()),
    );
    Value::bag(b)
}

fn geo_line(pts: &[(f64, f64)]) -> Value {
    let mut b = Bag::new();
    b.insert("type", Value::string("LineString"));
    b.insert("coordinates", ring_value(pts));
    Value::bag(b)
}

/// `geo_line_densify(line, tolerance = 10 m, preserve_crossing = false)`: splits each planar edge into
/// equal parts until the planar segment is within `tolerance` of the geodesic (the
/// geo-line-densify-function page: `[[50,50],[51,51]]` becomes 8 equal steps).
fn line_densify(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(ls) = lines(&a[0]) else {
        return Ok(Value::Null);
    };
    let tol = match a.get(1) {
        None | Some(Value::Null) => 10.0,
        Some(v) => match real(v) {
            Some(t) if t > 0.0 => t,
            _ => return Ok(Value::Null),
        },
    };
    let mut out = Vec::new();
    for l in &ls {
        for (i, w) in l.windows(2).enumerate() {
            let (p, q) = (w[0], w[1]);
            let mut n: u32 = 1;
            while n < 1 << 20 {
                // deviation of the midpoint of each planar piece from the geodesic through its ends
                let dev = (0..n)
                    .map(|k| {
                        let f0 = f64::from(k) / f64::from(n);
                        let f1 = f64::from(k + 1) / f64::from(n);
                        let a0 = (p.0 + (q.0 - p.0) * f0, p.1 + (q.1 - p.1) * f0);
                        let a1 = (p.0 + (q.0 - p.0) * f1, p.1 + (q.1 - p.1) * f1);
                        let mid = (f64::midpoint(a0.0, a1.0), f64::midpoint(a0.1, a1.1));
                        edge_distance(&unit(mid), &unit(a0), &unit(a1)) * EARTH_RADIUS
                    })
                    .fold(0.0, f64::max);
                if dev <= tol {
                    break;
                }
                n *= 2;
            }
            if i == 0 {
                out.push(p);
            }
            for k in 1..=n {
                let f = f64::from(k) / f64::from(n);
                out.push((p.0 + (q.0 - p.0) * f, p.1 + (q.1 - p.1) * f));
            }
        }
    }
    Ok(geo_line(&out))
}

// ---- geohash ------------------------------------------------------------------------------

const BASE32: &[u8] = b"0123456789bcdefghjkmnpqrstuvwxyz";

fn geohash_encode((lng, lat): (f64, f64), len: usize) -> String {
    let (mut lo_lng, mut hi_lng, mut lo_lat, mut hi_lat) = (-180.0, 180.0, -90.0, 90.0);
    let mut out = String::with_capacity(len);
    let mut even = true;
    let (mut bit, mut ch) = (0, 0u8);
    while out.len() < len {
        if even {
            let mid = f64::midpoint(lo_lng, hi_lng);
            if lng >= mid {
                ch |= 1 << (4 - bit);
                lo_lng = mid;
            } else {
                hi_lng = mid;
            }
        } else {
            let mid = f64::midpoint(lo_lat, hi_lat);
            if lat >= mid {
                ch |= 1 << (4 - bit);
                lo_lat = mid;
            } else {
                hi_lat = mid;
            }
        }
        even = !even;
        bit += 1;
        if bit == 5 {
            out.push(char::from(BASE32[usize::from(ch)]));
            bit = 0;
            ch = 0;
        }
    }
    out
}

/// (west, south, east, north) of a geohash.
fn geohash_decode(h: &str) -> Option<(f64, f64, f64, f64)> {
    if h.is_empty() || h.len() > 18 {
        return None;
    }
    let (mut lo_lng, mut hi_lng, mut lo_lat, mut hi_lat) = (-180.0, 180.0, -90.0, 90.0);
    let mut even = true;
    for c in h.bytes() {
        let v = BASE32.iter().position(|b| *b == c.to_ascii_lowercase())?;
        for bit in (0..5).rev() {
            let on = (v >> bit) & 1 == 1;
            if even {
                let mid = f64::midpoint(lo_lng, hi_lng);
                if on { lo_lng = mid } else { hi_lng = mid }
            } else {
                let mid = f64::midpoint(lo_lat, hi_lat);
                if on { lo_lat = mid } else { hi_lat = mid }
            }
            even = !even;
        }
    }
    Some((lo_lng, lo_lat, hi_lng, hi_lat))
}

/// The eight neighbours, in the order Kusto returns them (the geo-geohash-neighbors page's `sunny`
/// example): SW, NW, SE, N, W, NE, E, S.
fn geohash_neighbors(h: &str) -> Option<Vec<String>> {
    let (w, so, e, n) = geohash_decode(h)?;
    let (cx, cy, dx, dy) = (f64::midpoint(w, e), f64::midpoint(so, n), e - w, n - so);
    let wrap = |x: f64| {
        if x > 180.0 {
            x - 360.0
        } else if x < -180.0 {
            x + 360.0
        } else {
            x
        }
    };
    let mut out = Vec::new();
    for (ox, oy) in [
        (-1.0, -1.0),
        (-1.0, 1.0),
        (1.0, -1.0),
        (0.0, 1.0),
        (-1.0, 0.0),
        (1.0, 1.0),
        (1.0, 0.0),
        (0.0, -1.0),
    ] {
        let y = cy + oy * dy;
        if !(-90.0..=90.0).contains(&y) {
            continue;
        }
        out.push(geohash_encode((wrap(cx + ox * dx), y), h.len()));
    }
    Some(out)
}

// ---- H3 -----------------------------------------------------------------------------------

fn h3(v: &Value) -> Option<h3o::CellIndex> {
    s(v).parse().ok()
}

fn h3_res(r: i64) -> Option<h3o::Resolution> {
    u8::try_from(r)
        .ok()
        .and_then(|r| h3o::Resolution::try_from(r).ok())
}

/// WKT (well-known text) → GeoJSON.
mod wkt {
    use crate::value::{Bag, Value};

    struct P<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl P<'_> {
        fn ws(&mut self) {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: u8) -> bool {
            self.ws();
            if self.s.get(self.i) == Some(&c) {
                self.i += 1;
                true
            } else {
                false
            }
        }
        fn word(&mut self) -> String {
            self.ws();
            let st = self.i;
            while self.i < self.s.len() && self.s[self.i].is_ascii_alphabetic() {
                self.i += 1;
            }
            String::from_utf8_lossy(&self.s[st..self.i]).to_ascii_uppercase()
        }
        fn number(&mut self) -> Option<f64> {
            self.ws();
            let st = self.i;
            while self.i < self.s.len()
                && (self.s[self.i].is_ascii_digit()
                    || matches!(self.s[self.i], b'-' | b'+' | b'.' | b'e' | b'E'))
            {
                self.i += 1;
            }
            std::str::from_utf8(&self.s[st..self.i]).ok()?.parse().ok()
        }
        fn point(&mut self) -> Option<Value> {
            let x = self.number()?;
            let y = self.number()?;
            // WKT numbers are written as given: whole numbers stay integers in the output
            let n = |v: f64| {
                #[allow(clippy::cast_possible_truncation)]
                if v.fract() == 0.0 && v.abs() < 9e15 {
                    Value::Long(v as i64)
                } else {
                    Value::Real(v)
                }
            };
            Some(Value::array(vec![n(x), n(y)]))
        }
        fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
            if !self.eat(b'(') {
                return None;
            }
            let mut out = vec![item(self)?];
            while self.eat(b',') {
                out.push(item(self)?);
            }
            self.eat(b')').then_some(out)
        }
        fn points(&mut self) -> Option<Value> {
            self.list(|p| {
                // MULTIPOINT allows `(1 1)` or `1 1`
                if p.eat(b'(') {
                    let v = p.point()?;
                    p.eat(b')').then_some(v)
                } else {
                    p.point()
                }
            })
            .map(Value::array)
        }
        fn rings(&mut self) -> Option<Value> {
            self.list(Self::points).map(Value::array)
        }
        fn geometry(&mut self) -> Option<Value> {
            let kind = self.word();
            let (ty, coords) = match kind.as_str() {
                "POINT" => {
                    if !self.eat(b'(') {
                        return None;
                    }
                    let p = self.point()?;
                    if !self.eat(b')') {
                        return None;
                    }
                    ("Point", p)
                }
                "LINESTRING" => ("LineString", self.points()?),
                "POLYGON" => ("Polygon", self.rings()?),
                "MULTIPOINT" => ("MultiPoint", self.points()?),
                "MULTILINESTRING" => ("MultiLineString", self.rings()?),
                "MULTIPOLYGON" => ("MultiPolygon", self.list(Self::rings).map(Value::array)?),
                "GEOMETRYCOLLECTION" => {
                    let geoms = self.list(Self::geometry)?;
                    let mut b = Bag::new();
                    b.insert("type", Value::string("GeometryCollection"));
                    b.insert("geometries", Value::array(geoms));
                    return Some(Value::bag(b));
                }
                _ => return None,
            };
            let mut b = Bag::new();
            b.insert("type", Value::string(ty));
            b.insert("coordinates", coords);
            Some(Value::bag(b))
        }
    }

    pub(super) fn parse(text: &str) -> Option<Value> {
        let mut p = P {
            s: text.as_bytes(),
            i: 0,
        };
        let g = p.geometry()?;
        p.ws();
        (p.i == p.s.len()).then_some(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_on_kustos_sphere() {
        let d = angle(
            &unit((-122.407_628, 47.578_557)),
            &unit((-118.275_287, 34.019_056)),
        ) * EARTH_RADIUS;
        assert!((d - 1_546_754.351_973_81).abs() < 1e-4, "{d}");
    }

    #[test]
    fn geohashes() {
        assert_eq!(geohash_encode((-80.195_829, 25.802_215), 8), "dhwfz15h");
        assert_eq!(
            geohash_neighbors("sunny").unwrap(),
            [
                "sunnt", "sunpj", "sunnx", "sunpn", "sunnv", "sunpp", "sunnz", "sunnw"
            ]
        );
        assert_eq!(
            geohash_decode("dr5ru"),
            Some((
                -74.003_906_25,
                40.737_304_687_5,
                -73.959_960_937_5,
                40.781_25
            ))
        );
    }

    #[test]
    fn wkt_to_geojson() {
        let v = wkt::parse("MULTIPOLYGON (((0 0, 2 0, 2 2, 0 0)),((10 10, 12 10, 12 12, 10 10)))")
            .unwrap();
        assert_eq!(
            v.to_kusto_string(),
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[2,0],[2,2],[0,0]]],[[[10,10],[12,10],[12,12],[10,10]]]]}"#
        );
        assert!(wkt::parse("LINESTRING").is_none());
    }
}
