//! Unit conversions: `convert_length`, `convert_mass`, `convert_speed`, `convert_temperature`,
//! `convert_volume`, `convert_force` — `convert_x(value, from, to)`, unit names as the function pages
//! spell them (UnitsNet names: `Meter`, `Foot`, `KilometerPerHour`, `DegreeCelsius`, `AcreFoot`…).
//! An unknown unit gives null. Factors are each unit's size in the SI base unit (exact definitions
//! where one exists: the international foot is 0.3048 m, the avoirdupois pound 0.45359237 kg).

use super::{Cx, Func, f, real, s, t};
use crate::error::Result;
use crate::value::{Type, Value};

pub(crate) const FUNCTIONS: &[Func] = &[
    f("convert_length", 3, 3, t(Type::Real), |a, cx| {
        linear(a, cx, LENGTH)
    }),
    f("convert_mass", 3, 3, t(Type::Real), |a, cx| {
        linear(a, cx, MASS)
    }),
    f("convert_speed", 3, 3, t(Type::Real), |a, cx| {
        linear(a, cx, SPEED)
    }),
    f("convert_volume", 3, 3, t(Type::Real), |a, cx| {
        linear(a, cx, VOLUME)
    }),
    f("convert_force", 3, 3, t(Type::Real), |a, cx| {
        linear(a, cx, FORCE)
    }),
    f("convert_temperature", 3, 3, t(Type::Real), temperature),
];

const INCH: f64 = 0.0254;
const FOOT: f64 = 0.3048;
const YARD: f64 = 0.9144;
const MILE: f64 = 1609.344;
const US_SURVEY_FOOT: f64 = 1200.0 / 3937.0;
const LIGHT_YEAR: f64 = 9.460_730_472_580_8e15;
const PARSEC: f64 = 3.085_677_581_28e16;

const LENGTH: &[(&str, f64)] = &[
    ("Angstrom", 1e-10),
    ("AstronomicalUnit", 1.495_978_707e11),
    ("Centimeter", 0.01),
    ("Chain", 20.1168),
    ("DataMile", 1828.8),
    ("Decameter", 10.0),
    ("Decimeter", 0.1),
    ("DtpPica", INCH / 6.0),
    ("DtpPoint", INCH / 72.0),
    ("Fathom", 1.8288),
    ("Foot", FOOT),
    ("Hand", 0.1016),
    ("Hectometer", 100.0),
    ("Inch", INCH),
    ("KilolightYear", LIGHT_YEAR * 1e3),
    ("Kilometer", 1000.0),
    ("Kiloparsec", PARSEC * 1e3),
    ("LightYear", LIGHT_YEAR),
    ("MegalightYear", LIGHT_YEAR * 1e6),
    ("Megaparsec", PARSEC * 1e6),
    ("Meter", 1.0),
    ("Microinch", INCH * 1e-6),
    ("Micrometer", 1e-6),
    ("Mil", INCH * 1e-3),
    ("Mile", MILE),
    ("Millimeter", 0.001),
    ("Nanometer", 1e-9),
    ("NauticalMile", 1852.0),
    ("Parsec", PARSEC),
    ("PrinterPica", INCH / 6.0225),
    ("PrinterPoint", INCH / 72.27),
    ("Shackle", 27.432),
    ("SolarRadius", 6.957_0e8),
    ("Twip", INCH / 1440.0),
    ("UsSurveyFoot", US_SURVEY_FOOT),
    ("Yard", YARD),
];

const POUND: f64 = 0.453_592_37;

const MASS: &[(&str, f64)] = &[
    ("Centigram", 1e-5),
    ("Decagram", 0.01),
    ("Decigram", 1e-4),
    ("EarthMass", 5.9722e24),
    ("Grain", 6.479_891e-5),
    ("Gram", 0.001),
    ("Hectogram", 0.1),
    ("Kilogram", 1.0),
    ("Kilopound", POUND * 1e3),
    ("Kilotonne", 1e6),
    ("LongHundredweight", POUND * 112.0),
    ("LongTon", POUND * 2240.0),
    ("Megapound", POUND * 1e6),
    ("Megatonne", 1e9),
    ("Microgram", 1e-9),
    ("Milligram", 1e-6),
    ("Nanogram", 1e-12),
    ("Ounce", POUND / 16.0),
    ("Pound", POUND),
    ("ShortHundredweight", POUND * 100.0),
    ("ShortTon", POUND * 2000.0),
    ("Slug", 14.593_902_937_206_364),
    ("SolarMass", 1.988_47e30),
    ("Stone", POUND * 14.0),
    ("Tonne", 1000.0),
];

const SPEED: &[(&str, f64)] = &[
    ("CentimeterPerHour", 0.01 / 3600.0),
    ("CentimeterPerMinute", 0.01 / 60.0),
    ("CentimeterPerSecond", 0.01),
    ("DecimeterPerMinute", 0.1 / 60.0),
    ("DecimeterPerSecond", 0.1),
    ("FootPerHour", FOOT / 3600.0),
    ("FootPerMinute", FOOT / 60.0),
    ("FootPerSecond", FOOT),
    ("InchPerHour", INCH / 3600.0),
    ("InchPerMinute", INCH / 60.0),
    ("InchPerSecond", INCH),
    ("KilometerPerHour", 1000.0 / 3600.0),
    ("KilometerPerMinute", 1000.0 / 60.0),
    ("KilometerPerSecond", 1000.0),
    ("Knot", 1852.0 / 3600.0),
    ("MeterPerHour", 1.0 / 3600.0),
    ("MeterPerMinute", 1.0 / 60.0),
    ("MeterPerSecond", 1.0),
    ("MicrometerPerMinute", 1e-6 / 60.0),
    ("MicrometerPerSecond", 1e-6),
    ("MilePerHour", MILE / 3600.0),
    ("MillimeterPerHour", 0.001 / 3600.0),
    ("MillimeterPerMinute", 0.001 / 60.0),
    ("MillimeterPerSecond", 0.001),
    ("NanometerPerMinute", 1e-9 / 60.0),
    ("NanometerPerSecond", 1e-9),
    ("UsSurveyFootPerHour", US_SURVEY_FOOT / 3600.0),
    ("UsSurveyFootPerMinute", US_SURVEY_FOOT / 60.0),
    ("UsSurveyFootPerSecond", US_SURVEY_FOOT),
    ("YardPerHour", YARD / 3600.0),
    ("YardPerMinute", YARD / 60.0),
    ("YardPerSecond", YARD),
];

const US_GALLON: f64 = 0.003_785_411_784;
const IMPERIAL_GALLON: f64 = 0.004_546_09;
const CUBIC_FOOT: f64 = FOOT * FOOT * FOOT;

const VOLUME: &[(&str, f64)] = &[
    ("AcreFoot", 1_233.481_837_547_52),
    ("AuTablespoon", 2e-5),
    ("BoardFoot", CUBIC_FOOT / 12.0),
    ("Centiliter", 1e-5),
    ("CubicCentimeter", 1e-6),
    ("CubicDecimeter", 1e-3),
    ("CubicFoot", CUBIC_FOOT),
    ("CubicHectometer", 1e6),
    ("CubicInch", INCH * INCH * INCH),
    ("CubicKilometer", 1e9),
    ("CubicMeter", 1.0),
    ("CubicMicrometer", 1e-18),
    ("CubicMile", MILE * MILE * MILE),
    ("CubicMillimeter", 1e-9),
    ("CubicYard", YARD * YARD * YARD),
    ("Decaliter", 0.01),
    ("DecausGallon", US_GALLON * 10.0),
    ("Deciliter", 1e-4),
    ("DeciusGallon", US_GALLON / 10.0),
    ("HectocubicFoot", CUBIC_FOOT * 100.0),
    ("HectocubicMeter", 100.0),
    ("Hectoliter", 0.1),
    ("HectousGallon", US_GALLON * 100.0),
    ("ImperialBeerBarrel", IMPERIAL_GALLON * 36.0),
    ("ImperialGallon", IMPERIAL_GALLON),
    ("ImperialOunce", IMPERIAL_GALLON / 160.0),
    ("ImperialPint", IMPERIAL_GALLON / 8.0),
    ("KilocubicFoot", CUBIC_FOOT * 1e3),
    ("KilocubicMeter", 1e3),
    ("KiloimperialGallon", IMPERIAL_GALLON * 1e3),
    ("Kiloliter", 1.0),
    ("KilousGallon", US_GALLON * 1e3),
    ("Liter", 0.001),
    ("MegacubicFoot", CUBIC_FOOT * 1e6),
    ("MegaimperialGallon", IMPERIAL_GALLON * 1e6),
    ("Megaliter", 1e3),
    ("MegausGallon", US_GALLON * 1e6),
    ("MetricCup", 2.5e-4),
    ("MetricTeaspoon", 5e-6),
    ("Microliter", 1e-9),
    ("Milliliter", 1e-6),
    ("OilBarrel", US_GALLON * 42.0),
    ("UkTablespoon", 1.5e-5),
    ("UsBeerBarrel", US_GALLON * 31.0),
    ("UsCustomaryCup", US_GALLON / 16.0),
    ("UsGallon", US_GALLON),
    ("UsLegalCup", 2.4e-4),
    ("UsOunce", US_GALLON / 128.0),
    ("UsPint", US_GALLON / 8.0),
    ("UsQuart", US_GALLON / 4.0),
    ("UsTablespoon", US_GALLON / 256.0),
    ("UsTeaspoon", US_GALLON / 768.0),
];

const GRAVITY: f64 = 9.806_65;

const FORCE: &[(&str, f64)] = &[
    ("Decanewton", 10.0),
    ("Dyn", 1e-5),
    ("KilogramForce", GRAVITY),
    ("Kilonewton", 1e3),
    ("KiloPond", GRAVITY),
    ("KilopoundForce", POUND * GRAVITY * 1e3),
    ("Meganewton", 1e6),
    ("Micronewton", 1e-6),
    ("Millinewton", 1e-3),
    ("Newton", 1.0),
    ("OunceForce", POUND * GRAVITY / 16.0),
    ("Poundal", POUND * FOOT),
    ("PoundForce", POUND * GRAVITY),
    ("ShortTonForce", POUND * GRAVITY * 2000.0),
    ("TonneForce", GRAVITY * 1e3),
];

fn factor(table: &[(&str, f64)], unit: &str) -> Option<f64> {
    table.iter().find(|(n, _)| *n == unit).map(|(_, f)| *f)
}

fn linear(a: &[Value], _: &Cx<'_>, table: &[(&str, f64)]) -> Result<Value> {
    let (Some(v), Some(from), Some(to)) = (
        real(&a[0]),
        factor(table, &s(&a[1])),
        factor(table, &s(&a[2])),
    ) else {
        return Ok(Value::Null);
    };
    Ok(Value::Real(v * from / to))
}

/// A temperature unit as (kelvin per degree, kelvin at the unit's zero).
fn temp_unit(u: &str) -> Option<(f64, f64)> {
    Some(match u {
        "Kelvin" => (1.0, 0.0),
        "DegreeCelsius" => (1.0, 273.15),
        "MillidegreeCelsius" => (0.001, 273.15),
        "DegreeFahrenheit" => (5.0 / 9.0, 273.15 - 32.0 * 5.0 / 9.0),
        "DegreeRankine" => (5.0 / 9.0, 0.0),
        "DegreeReaumur" => (1.25, 273.15),
        "DegreeNewton" => (100.0 / 33.0, 273.15),
        "DegreeRoemer" => (40.0 / 21.0, 273.15 - 7.5 * 40.0 / 21.0),
        "DegreeDelisle" => (-2.0 / 3.0, 373.15),
        "SolarTemperature" => (5778.0, 0.0),
        _ => return None,
    })
}

fn temperature(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let (Some(v), Some((f1, z1)), Some((f2, z2))) =
        (real(&a[0]), temp_unit(&s(&a[1])), temp_unit(&s(&a[2])))
    else {
        return Ok(Value::Null);
    };
    let kelvin = v * f1 + z1;
    Ok(Value::Real((kelvin - z2) / f2))
}
