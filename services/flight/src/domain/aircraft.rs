//! Aircraft types and their seat layouts: cabins, rows, seat blocks between aisles, exit and
//! extra-legroom rows, and what each seat costs. The layouts are data in code (seeded into
//! `aircraft_seats`), and the seat map and auto-assignment are computed from them.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use wayfare_flight_api::{Cabin, FareFamily};

pub struct CabinLayout {
    pub cabin: Cabin,
    pub first_row: u32,
    pub last_row: u32,
    /// Seat letters of each block, left to right; aisles between blocks.
    pub blocks: &'static [&'static str],
    pub exit_rows: &'static [u32],
    pub extra_legroom_rows: &'static [u32],
}

pub struct AircraftType {
    pub code: &'static str,
    pub name: &'static str,
    pub cabins: &'static [CabinLayout],
}

/// A narrow-body: business 2-2, economy 3-3 (exit rows 12 and 13, extra legroom in row 10).
pub const A321: AircraftType = AircraftType {
    code: "A321",
    name: "Airbus A321neo",
    cabins: &[
        CabinLayout {
            cabin: Cabin::Business,
            first_row: 1,
            last_row: 4,
            blocks: &["AC", "DF"],
            exit_rows: &[],
            extra_legroom_rows: &[],
        },
        CabinLayout {
            cabin: Cabin::Economy,
            first_row: 10,
            last_row: 34,
            blocks: &["ABC", "DEF"],
            exit_rows: &[12, 13],
            extra_legroom_rows: &[10, 12, 13],
        },
    ],
};

/// A wide-body with three cabins: business 1-2-1, premium economy 2-3-2, economy 3-3-3.
pub const B789: AircraftType = AircraftType {
    code: "B789",
    name: "Boeing 787-9",
    cabins: &[
        CabinLayout {
            cabin: Cabin::Business,
            first_row: 1,
            last_row: 7,
            blocks: &["A", "DG", "K"],
            exit_rows: &[],
            extra_legroom_rows: &[],
        },
        CabinLayout {
            cabin: Cabin::PremiumEconomy,
            first_row: 20,
            last_row: 25,
            blocks: &["AC", "DEF", "HK"],
            exit_rows: &[],
            extra_legroom_rows: &[20],
        },
        CabinLayout {
            cabin: Cabin::Economy,
            first_row: 30,
            last_row: 58,
            blocks: &["ABC", "DEF", "GHK"],
            exit_rows: &[30, 45],
            extra_legroom_rows: &[30, 45],
        },
    ],
};

pub const AIRCRAFT: &[&AircraftType] = &[&A321, &B789];

pub fn aircraft(code: &str) -> Option<&'static AircraftType> {
    AIRCRAFT.iter().copied().find(|a| a.code == code)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Window,
    Middle,
    Aisle,
}

/// One seat of a layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Seat {
    pub designator: String,
    pub cabin: Cabin,
    pub row: u32,
    pub letter: char,
    /// Index of the block (between aisles) it sits in.
    pub block: usize,
    /// Index within the row, left to right.
    pub column: usize,
    pub position: Position,
    pub exit_row: bool,
    pub extra_legroom: bool,
    /// What choosing it costs on a basic fare (minor units, USD).
    pub surcharge: i64,
}

/// What choosing a seat costs: extra legroom 45.00 on every fare; a window or aisle seat
/// 15.00 and a middle seat 9.00 on a basic fare; business and premium seats nothing more.
fn base_surcharge(cabin: Cabin, position: Position, extra_legroom: bool) -> i64 {
    match (cabin, extra_legroom, position) {
        (Cabin::Business, _, _) => 0,
        (_, true, _) => 4_500,
        (Cabin::PremiumEconomy, false, _) => 0,
        (Cabin::Economy, false, Position::Middle) => 900,
        (Cabin::Economy, false, _) => 1_500,
    }
}

/// What a seat costs on `fare` when the customer chooses it.
pub fn surcharge_for(seat: &Seat, fare: FareFamily) -> i64 {
    if seat.extra_legroom || fare.charges_plain_seats() {
        seat.surcharge
    } else {
        0
    }
}

impl AircraftType {
    /// Every seat, front to back, left to right.
    pub fn seats(&self) -> Vec<Seat> {
        let mut seats = Vec::new();
        for cabin in self.cabins {
            for row in cabin.first_row..=cabin.last_row {
                let mut column = 0;
                let last_block = cabin.blocks.len() - 1;
                for (block, letters) in cabin.blocks.iter().enumerate() {
                    let n = letters.len();
                    for (i, letter) in letters.chars().enumerate() {
                        let position =
                            if (block == 0 && i == 0) || (block == last_block && i == n - 1) {
                                Position::Window
                            } else if (i == 0 && block > 0) || (i == n - 1 && block < last_block) {
                                Position::Aisle
                            } else {
                                Position::Middle
                            };
                        let extra_legroom = cabin.extra_legroom_rows.contains(&row);
                        seats.push(Seat {
                            designator: format!("{row}{letter}"),
                            cabin: cabin.cabin,
                            row,
                            letter,
                            block,
                            column,
                            position,
                            exit_row: cabin.exit_rows.contains(&row),
                            extra_legroom,
                            surcharge: base_surcharge(cabin.cabin, position, extra_legroom),
                        });
                        column += 1;
                    }
                }
            }
        }
        seats
    }

    pub fn capacity(&self, cabin: Cabin) -> i64 {
        self.cabins
            .iter()
            .filter(|c| c.cabin == cabin)
            .map(|c| ((c.last_row - c.first_row + 1) as usize * c.blocks.concat().len()) as i64)
            .sum()
    }

    pub fn has_cabin(&self, cabin: Cabin) -> bool {
        self.cabins.iter().any(|c| c.cabin == cabin)
    }

    pub fn seat(&self, designator: &str) -> Option<Seat> {
        self.seats()
            .into_iter()
            .find(|s| s.designator == designator)
    }
}

/// Picks `count` free seats in `cabin`, side by side where possible: first a run within one
/// block of a row, then a run across one row, then any free seats. Plain seats (no surcharge
/// on any fare) first. `offset` rotates where the search starts, so concurrent requests spread
/// over the cabin instead of all reaching for the same seats.
pub fn auto_assign(
    aircraft: &AircraftType,
    cabin: Cabin,
    taken: &HashSet<String>,
    count: usize,
    offset: usize,
) -> Option<Vec<Seat>> {
    if count == 0 {
        return Some(Vec::new());
    }
    let free: Vec<Seat> = aircraft
        .seats()
        .into_iter()
        .filter(|s| s.cabin == cabin && !taken.contains(&s.designator))
        .collect();
    if free.len() < count {
        return None;
    }
    let mut rows: Vec<u32> = free.iter().map(|s| s.row).collect();
    rows.dedup();
    let rotated: Vec<u32> = (0..rows.len())
        .map(|i| rows[(i + offset) % rows.len()])
        .collect();
    // Plain rows before extra-legroom rows, keeping the rotation.
    let mut order: Vec<u32> = rotated
        .iter()
        .copied()
        .filter(|r| !free.iter().any(|s| s.row == *r && s.extra_legroom))
        .collect();
    let rest: Vec<u32> = rotated
        .iter()
        .copied()
        .filter(|r| !order.contains(r))
        .collect();
    order.extend(rest);
    // 1. Within one block; 2. within one row.
    for same_block in [true, false] {
        for row in &order {
            let in_row: Vec<&Seat> = free.iter().filter(|s| s.row == *row).collect();
            for start in 0..in_row.len() {
                if start + count > in_row.len() {
                    break;
                }
                let run = &in_row[start..start + count];
                let adjacent = run.windows(2).all(|w| w[1].column == w[0].column + 1);
                let one_block = run.iter().all(|s| s.block == run[0].block);
                if adjacent && (one_block || !same_block) {
                    return Some(run.iter().map(|s| (*s).clone()).collect());
                }
            }
        }
    }
    // 3. Anything free, rows in the rotated order.
    let mut picked = Vec::with_capacity(count);
    for row in &order {
        for seat in free.iter().filter(|s| s.row == *row) {
            picked.push(seat.clone());
            if picked.len() == count {
                return Some(picked);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_body_has_business_two_two_then_economy_three_three() {
        assert_eq!(A321.capacity(Cabin::Business), 16);
        assert_eq!(A321.capacity(Cabin::Economy), 150);
        assert!(!A321.has_cabin(Cabin::PremiumEconomy));
        let a1 = A321.seat("1A").unwrap();
        assert_eq!((a1.cabin, a1.position), (Cabin::Business, Position::Window));
        assert_eq!(A321.seat("1C").unwrap().position, Position::Aisle);
        assert_eq!(A321.seat("1D").unwrap().position, Position::Aisle);
        assert_eq!(A321.seat("20B").unwrap().position, Position::Middle);
        let exit = A321.seat("12A").unwrap();
        assert!(exit.exit_row && exit.extra_legroom);
        assert!(A321.seat("5A").is_none());
    }

    #[test]
    fn wide_body_has_three_cabins_with_aisles_between_blocks() {
        assert_eq!(B789.capacity(Cabin::Business), 28);
        assert_eq!(B789.capacity(Cabin::PremiumEconomy), 42);
        assert_eq!(B789.capacity(Cabin::Economy), 261);
        assert_eq!(B789.seat("1A").unwrap().position, Position::Window);
        assert_eq!(B789.seat("1D").unwrap().position, Position::Aisle);
        assert_eq!(B789.seat("1G").unwrap().position, Position::Aisle);
        assert_eq!(B789.seat("40E").unwrap().position, Position::Middle);
        assert_eq!(B789.seat("40G").unwrap().position, Position::Aisle);
        assert_eq!(B789.seat("40K").unwrap().position, Position::Window);
    }

    #[test]
    fn surcharges_depend_on_the_fare_family() {
        let middle = A321.seat("20B").unwrap();
        let legroom = A321.seat("10A").unwrap();
        assert_eq!(surcharge_for(&middle, FareFamily::Basic), 900);
        assert_eq!(surcharge_for(&middle, FareFamily::Flex), 0);
        assert_eq!(surcharge_for(&legroom, FareFamily::Standard), 4_500);
    }

    #[test]
    fn auto_assign_keeps_a_party_side_by_side_in_one_block() {
        let taken: HashSet<String> = ["14A", "14B"].iter().map(|s| s.to_string()).collect();
        let seats = auto_assign(&A321, Cabin::Economy, &taken, 3, 4).unwrap();
        assert_eq!(seats.len(), 3);
        assert!(seats
            .iter()
            .all(|s| s.row == seats[0].row && s.block == seats[0].block));
        assert!(seats.iter().all(|s| !s.extra_legroom));
    }

    #[test]
    fn auto_assign_splits_a_party_when_no_row_has_room() {
        // Leave one free seat per row in economy.
        let taken: HashSet<String> = A321
            .seats()
            .into_iter()
            .filter(|s| s.cabin == Cabin::Economy && s.letter != 'A')
            .map(|s| s.designator)
            .collect();
        let seats = auto_assign(&A321, Cabin::Economy, &taken, 2, 0).unwrap();
        assert_eq!(seats.len(), 2);
        assert_ne!(seats[0].row, seats[1].row);
        let all: HashSet<String> = A321.seats().into_iter().map(|s| s.designator).collect();
        assert!(auto_assign(&A321, Cabin::Economy, &all, 1, 0).is_none());
    }
}
