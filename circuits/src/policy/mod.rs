//! Policies: what a verifier asks a credential to satisfy.
//!
//! A policy names a schema and an issuer and holds up to [`MAX_CONDITIONS`] conditions over the
//! credential's slots, plus the slots to disclose. One circuit evaluates every policy: the policy
//! enters as a witness, compiled to fixed-size bits and values ([`CompiledPolicy`]), and is tied
//! to the statement by `query_hash = H(query tag, schema, issuer, packed bits, values, disclosed)`.
//! The verifier recomputes that hash from its own policy, so a proof for one policy fails for
//! another.
//!
//! A condition is `slot OP operands`: `slots` lists the slots the condition may hold on (usually
//! one; several means "any of them", e.g. any covered service category), `op` one of
//! [`Operator`], and operands are constants, another slot, or offsets from the verifier's date,
//! in days or in years (compared in `YYYYMMDD` form), so a policy does not change from day to day.
//!
//! Comparisons are exact integer comparisons of a slot value below 2^32 (range-checked in the
//! circuit) with an operand the verifier fixes (a constant, another slot, or the verifier's date
//! plus an offset, which may be negative): the circuit decides `x >= a` from the 33-bit
//! decomposition of `x - a + 2^32`, which is exact whenever `|x - a| < 2^32` and has no witness
//! otherwise, so a comparison can fail to be provable but never gives a wrong answer. The native
//! check ([`Policy::check`]) applies the same rule.

#[cfg(feature = "r1cs")]
pub mod constraints;
pub mod window;

use ark_ff::{AdditiveGroup, BigInteger, PrimeField};
use serde::{Deserialize, Serialize};

use crate::{
    codes,
    credential::{find_schema, Credential, Schema, SlotKind, NUM_SLOTS},
    date::{Day, Ymd},
    field::serde_fr,
    poseidon::{self, Domain},
    Error, Fr,
};

/// Conditions per proof (unused ones are `NOOP`).
pub const MAX_CONDITIONS: usize = 4;
/// Values per condition: the size of an `IN` / `NIN` set; comparisons use the first two.
pub const SET_SIZE: usize = 8;
/// Number of operators.
pub const NUM_OPERATORS: usize = 10;
/// Bits of one condition in the packed policy word.
pub const BITS_PER_CONDITION: usize = NUM_SLOTS + NUM_OPERATORS + 4 + NUM_SLOTS;
/// Elements hashed into the query hash: schema, issuer, packed bits, values, disclosed slots.
pub const QUERY_LEN: usize = 3 + MAX_CONDITIONS * SET_SIZE + NUM_SLOTS;

/// Upper bound (exclusive) of numbers that comparisons accept.
pub const COMPARISON_BOUND: u64 = 1 << 32;

/// A condition's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// Always true (an unused condition).
    Noop,
    /// `x == a`.
    Eq,
    /// `x != a`.
    Ne,
    /// `x < a`.
    Lt,
    /// `x <= a`.
    Le,
    /// `x > a`.
    Gt,
    /// `x >= a`.
    Ge,
    /// `a <= x <= b`.
    Between,
    /// `x` is one of the set's values.
    In,
    /// `x` is none of the set's values.
    Nin,
}

impl Operator {
    /// All operators, in the order of their bit in the packed policy.
    pub const ALL: [Operator; NUM_OPERATORS] = [
        Operator::Noop,
        Operator::Eq,
        Operator::Ne,
        Operator::Lt,
        Operator::Le,
        Operator::Gt,
        Operator::Ge,
        Operator::Between,
        Operator::In,
        Operator::Nin,
    ];

    /// The operator's bit position.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the operator compares numbers.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge | Operator::Between
        )
    }

    fn symbol(self) -> &'static str {
        match self {
            Operator::Noop => "noop",
            Operator::Eq => "==",
            Operator::Ne => "!=",
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::Between => "between",
            Operator::In => "in",
            Operator::Nin => "not in",
        }
    }
}

/// An operand of a condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operand {
    /// A code (see [`crate::codes`]).
    Code(String),
    /// A whole number.
    Number(u32),
    /// A fixed date, compared as a day number.
    Day(Day),
    /// A fixed date, compared in `YYYYMMDD` form.
    Ymd(Ymd),
    /// The verifier's date plus this many days (negative: in the past), as a day number.
    DaysFromToday(i32),
    /// The verifier's date plus this many years, in `YYYYMMDD` form (`today_ymd + 10000 * n`).
    YearsFromToday(i32),
    /// The value of another slot of the same credential.
    Slot(usize),
    /// A raw field element (for codes encoded elsewhere).
    Field(#[serde(with = "serde_fr")] Fr),
}

/// An operand in compiled form: `value + days * today + ymd * today_ymd + slot value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OperandForm {
    /// The constant part (an offset may be negative, i.e. `r - n`).
    pub value: Fr,
    /// Adds the verifier's day number.
    pub days: bool,
    /// Adds the verifier's `YYYYMMDD` number.
    pub ymd: bool,
    /// Adds the value of this slot.
    pub slot: Option<usize>,
}

/// Whether an operand adds the verifier's day.
fn on_day(operand: &OperandForm) -> bool {
    operand.days || operand.ymd
}

fn signed(n: i64) -> Fr {
    if n < 0 {
        -Fr::from(n.unsigned_abs())
    } else {
        Fr::from(n as u64)
    }
}

impl Operand {
    fn compile(&self) -> Result<OperandForm, Error> {
        let constant = |value| OperandForm {
            value,
            ..Default::default()
        };
        Ok(match self {
            Operand::Code(c) => constant(codes::encode(c)?),
            Operand::Number(n) => constant(Fr::from(*n)),
            Operand::Day(d) => constant(d.validate()?.to_field()),
            Operand::Ymd(y) => constant(y.to_field()),
            Operand::Field(x) => constant(*x),
            Operand::DaysFromToday(n) => OperandForm {
                value: signed(i64::from(*n)),
                days: true,
                ..Default::default()
            },
            Operand::YearsFromToday(n) => OperandForm {
                value: signed(i64::from(*n) * 10_000),
                ymd: true,
                ..Default::default()
            },
            Operand::Slot(s) => {
                if *s >= NUM_SLOTS {
                    return Err(Error::InvalidPolicy(format!("slot {s} does not exist")));
                }
                OperandForm {
                    slot: Some(*s),
                    ..Default::default()
                }
            }
        })
    }

    /// The operand's value as an integer for a comparison, on this date and credential.
    fn integer(&self, slots: &[Fr; NUM_SLOTS], today: Day) -> Result<i64, String> {
        Ok(match self {
            Operand::Number(n) => i64::from(*n),
            Operand::Day(d) => i64::from(d.0),
            Operand::Ymd(y) => i64::from(y.get()),
            Operand::DaysFromToday(n) => i64::from(today.0) + i64::from(*n),
            Operand::YearsFromToday(n) => i64::from(today.ymd().get()) + i64::from(*n) * 10_000,
            Operand::Slot(s) => slots
                .get(*s)
                .and_then(small)
                .map(i64::from)
                .ok_or_else(|| format!("slot {s} does not hold a number"))?,
            Operand::Code(_) | Operand::Field(_) => {
                return Err("a code cannot be compared with < or >".into())
            }
        })
    }

    fn field(&self, slots: &[Fr; NUM_SLOTS], today: Day) -> Result<Fr, Error> {
        let f = self.compile()?;
        let mut v = f.value;
        if f.days {
            v += today.to_field();
        }
        if f.ymd {
            v += today.ymd().to_field();
        }
        if let Some(s) = f.slot {
            v += slots[s];
        }
        Ok(v)
    }
}

/// A field element's value if it is below 2^32.
pub(crate) fn small(x: &Fr) -> Option<u32> {
    let big = x.into_bigint();
    if big.num_bits() > 32 {
        return None;
    }
    u32::try_from(big.as_ref()[0]).ok()
}

/// One condition: `slots OP values`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The slots the condition may hold on (any one of them suffices).
    pub slots: Vec<usize>,
    /// The operator.
    pub op: Operator,
    /// Operands: none for `noop`; one for `eq`..`ge`; `[low, high]` for `between`; 1 to 8 constants
    /// for `in` / `nin`.
    #[serde(default)]
    pub values: Vec<Operand>,
}

impl Condition {
    /// `slot OP value`.
    pub fn new(slot: usize, op: Operator, values: Vec<Operand>) -> Self {
        Condition {
            slots: vec![slot],
            op,
            values,
        }
    }

    /// An unused condition.
    pub fn noop() -> Self {
        Condition {
            slots: vec![0],
            op: Operator::Noop,
            values: vec![],
        }
    }

    /// The condition in words.
    pub fn describe(&self, schema: Schema) -> String {
        let name = |s: usize| schema.slots().get(s).map_or("?", |slot| slot.name);
        let slot_names: Vec<&str> = self.slots.iter().map(|s| name(*s)).collect();
        let values: Vec<String> = self
            .values
            .iter()
            .map(|v| match v {
                Operand::Code(c) => c.clone(),
                Operand::Number(n) => n.to_string(),
                Operand::Day(d) => d.to_string(),
                Operand::Ymd(y) => y.to_string(),
                Operand::DaysFromToday(n) => format!("today{n:+}d"),
                Operand::YearsFromToday(n) => format!("today{n:+}y"),
                Operand::Slot(s) => name(*s).to_string(),
                Operand::Field(x) => crate::field::fr_to_hex(x),
            })
            .collect();
        format!(
            "{} {} {}",
            slot_names.join("|"),
            self.op.symbol(),
            values.join(", ")
        )
    }

    fn compile(&self) -> Result<CompiledCondition, Error> {
        let err = |m: String| Error::InvalidPolicy(m);
        if self.slots.is_empty() {
            return Err(err("a condition needs at least one slot".into()));
        }
        let mut slot_mask = [false; NUM_SLOTS];
        for s in &self.slots {
            *slot_mask
                .get_mut(*s)
                .ok_or_else(|| err(format!("slot {s} does not exist")))? = true;
        }
        let mut c = CompiledCondition {
            slot_mask,
            op: self.op,
            a: OperandForm::default(),
            b: OperandForm::default(),
            values: [Fr::from(0u8); SET_SIZE],
        };
        let arity = |n: usize| -> Result<(), Error> {
            if self.values.len() == n {
                Ok(())
            } else {
                Err(err(format!(
                    "{:?} takes {n} operand(s), got {}",
                    self.op,
                    self.values.len()
                )))
            }
        };
        match self.op {
            Operator::Noop => arity(0)?,
            Operator::In | Operator::Nin => {
                if self.values.is_empty() || self.values.len() > SET_SIZE {
                    return Err(err(format!(
                        "a set holds 1 to {SET_SIZE} values, got {}",
                        self.values.len()
                    )));
                }
                for (i, v) in self.values.iter().enumerate() {
                    let f = v.compile()?;
                    if f.days || f.ymd || f.slot.is_some() {
                        return Err(err("set values must be constants".into()));
                    }
                    c.values[i] = f.value;
                }
                // Pad with the first value: repeating a member changes neither IN nor NIN.
                for i in self.values.len()..SET_SIZE {
                    c.values[i] = c.values[0];
                }
            }
            Operator::Between => {
                arity(2)?;
                for v in &self.values {
                    check_comparable(v)?;
                }
                c.a = self.values[0].compile()?;
                c.b = self.values[1].compile()?;
                if c.b.slot.is_some() {
                    return Err(err("the upper bound of `between` cannot be a slot".into()));
                }
            }
            op => {
                arity(1)?;
                if op.is_comparison() {
                    check_comparable(&self.values[0])?;
                }
                c.a = self.values[0].compile()?;
            }
        }
        c.values[0] = if self.op.is_comparison() || matches!(self.op, Operator::Eq | Operator::Ne) {
            c.a.value
        } else {
            c.values[0]
        };
        if self.op == Operator::Between {
            c.values[1] = c.b.value;
        }
        // "Any of these slots" is met by one slot; an empty slot holds 0, which satisfies `ne`,
        // `nin`, and every comparison against a bound above or below it, so over several slots
        // those would be met by an empty one (a coverage credential with a free category slot
        // would satisfy "categories NIN {outpatient}"). Only `eq` and `in` with non-zero values
        // keep their meaning over several slots.
        let slots = c.slot_mask.iter().filter(|&&b| b).count();
        if slots > 1 {
            let meaningful = match self.op {
                Operator::Noop => true,
                Operator::Eq => c.a.value != Fr::ZERO && c.a.slot.is_none() && !on_day(&c.a),
                Operator::In => c.values.iter().all(|v| *v != Fr::ZERO),
                _ => false,
            };
            if !meaningful {
                return Err(err(format!(
                    "{:?} over {slots} slots would be met by an empty slot: only eq and in with \
                     non-zero constants can hold on any of several slots",
                    self.op
                )));
            }
        }
        Ok(c)
    }

    /// Evaluates the condition natively; `Ok(slot)` names a slot on which it holds.
    fn evaluate(&self, slots: &[Fr; NUM_SLOTS], today: Day) -> Result<usize, String> {
        let mut last = String::from("no slot");
        for &s in &self.slots {
            let x = slots
                .get(s)
                .ok_or_else(|| format!("slot {s} does not exist"))?;
            match self.holds(x, slots, today) {
                Ok(()) => return Ok(s),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn holds(&self, x: &Fr, slots: &[Fr; NUM_SLOTS], today: Day) -> Result<(), String> {
        let field = |v: &Operand| v.field(slots, today).map_err(|e| e.to_string());
        let ok = |b: bool, why: &str| if b { Ok(()) } else { Err(why.to_string()) };
        match self.op {
            Operator::Noop => Ok(()),
            Operator::Eq => ok(*x == field(first(&self.values)?)?, "value differs"),
            Operator::Ne => ok(*x != field(first(&self.values)?)?, "value is equal"),
            Operator::In | Operator::Nin => {
                let mut found = false;
                for v in &self.values {
                    found |= *x == field(v)?;
                }
                if self.op == Operator::In {
                    ok(found, "value is not in the set")
                } else {
                    ok(!found, "value is in the set")
                }
            }
            op => {
                let xv = i64::from(small(x).ok_or("slot does not hold a number below 2^32")?);
                // The circuit decides `x >= a` from the 33-bit decomposition of
                // `x - a + 2^32`, which is exact exactly when -2^32 <= x - a < 2^32; outside that
                // no witness exists, so the prover refuses here, before proving.
                let window = COMPARISON_BOUND as i64;
                let comparable = |d: i64| (-window..window).contains(&d);
                let bound = |v: &Operand| -> Result<i64, String> {
                    let n = v.integer(slots, today)?;
                    if comparable(xv - n) {
                        Ok(n)
                    } else {
                        Err(format!("operand {n} is 2^32 or more away from {xv}"))
                    }
                };
                let a = bound(first(&self.values)?)?;
                match op {
                    Operator::Lt => ok(xv < a, &format!("{xv} is not < {a}")),
                    Operator::Le => ok(xv <= a, &format!("{xv} is not <= {a}")),
                    Operator::Gt => ok(xv > a, &format!("{xv} is not > {a}")),
                    Operator::Ge => ok(xv >= a, &format!("{xv} is not >= {a}")),
                    _ => {
                        let b = self.values.get(1).ok_or("missing upper bound")?;
                        let b = b.integer(slots, today)?;
                        if !comparable(b - xv) {
                            return Err(format!("operand {b} is 2^32 or more away from {xv}"));
                        }
                        ok(a <= xv && xv <= b, &format!("{xv} is not in [{a}, {b}]"))
                    }
                }
            }
        }
    }
}

fn first(values: &[Operand]) -> Result<&Operand, String> {
    values.first().ok_or_else(|| "missing operand".to_string())
}

fn check_comparable(v: &Operand) -> Result<(), Error> {
    match v {
        Operand::Code(_) | Operand::Field(_) => Err(Error::InvalidPolicy(
            "comparison operands must be numbers, dates, offsets from today or slots".into(),
        )),
        _ => Ok(()),
    }
}

/// A verifier's policy over one schema and issuer.
///
/// Serialized with its schema's short name; read a policy file as a [`PolicySpec`] and resolve
/// its schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// The credential's schema.
    pub schema: Schema,
    /// The accepted issuer (a code).
    pub issuer: String,
    /// Up to [`MAX_CONDITIONS`] conditions, all of which must hold.
    pub conditions: Vec<Condition>,
    /// Slots revealed to the verifier.
    #[serde(default)]
    pub disclose: Vec<usize>,
}

/// A [`Policy`] as read from a file, its schema named by its short name (the JSON of a policy
/// file: `{"schema": "vaccination", "issuer": ..., "conditions": [...], "disclose": [...]}`);
/// [`PolicySpec::resolve`] looks the name up in a catalog of schemas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// The schema's short name (e.g. `"vaccination"`).
    pub schema: String,
    /// The accepted issuer (a code).
    pub issuer: String,
    /// Up to [`MAX_CONDITIONS`] conditions, all of which must hold.
    pub conditions: Vec<Condition>,
    /// Slots revealed to the verifier.
    #[serde(default)]
    pub disclose: Vec<usize>,
}

impl PolicySpec {
    /// The policy, with the schema that `find` gives for the short name;
    /// [`Error::UnknownSchema`] if it gives none.
    pub fn resolve(self, find: impl Fn(&str) -> Option<Schema>) -> Result<Policy, Error> {
        Ok(Policy {
            schema: find_schema(&self.schema, find)?,
            issuer: self.issuer,
            conditions: self.conditions,
            disclose: self.disclose,
        })
    }
}

impl From<Policy> for PolicySpec {
    fn from(p: Policy) -> Self {
        PolicySpec {
            schema: p.schema.short_name().into(),
            issuer: p.issuer,
            conditions: p.conditions,
            disclose: p.disclose,
        }
    }
}

/// A compiled condition: what the circuit receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompiledCondition {
    /// Slots the condition may hold on.
    pub slot_mask: [bool; NUM_SLOTS],
    /// Operator.
    pub op: Operator,
    /// First operand (`values[0]` holds its constant part).
    pub a: OperandForm,
    /// Second operand of `between` (`values[1]` holds its constant part).
    pub b: OperandForm,
    /// Set values, or the operands' constant parts.
    pub values: [Fr; SET_SIZE],
}

impl CompiledCondition {
    /// The condition's bits, in packing order: slot mask, operator one-hot, operand flags
    /// (`a.days`, `a.ymd`, `b.days`, `b.ymd`), `a`'s slot one-hot.
    pub fn bits(&self) -> [bool; BITS_PER_CONDITION] {
        let mut bits = [false; BITS_PER_CONDITION];
        bits[..NUM_SLOTS].copy_from_slice(&self.slot_mask);
        bits[NUM_SLOTS + self.op.index()] = true;
        let f = NUM_SLOTS + NUM_OPERATORS;
        bits[f] = self.a.days;
        bits[f + 1] = self.a.ymd;
        bits[f + 2] = self.b.days;
        bits[f + 3] = self.b.ymd;
        if let Some(s) = self.a.slot {
            bits[f + 4 + s] = true;
        }
        bits
    }
}

/// A policy compiled to the circuit's fixed shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledPolicy {
    /// Schema id.
    pub schema: Fr,
    /// Issuer id.
    pub issuer: Fr,
    /// Exactly [`MAX_CONDITIONS`] conditions (padded with `noop`).
    pub conditions: [CompiledCondition; MAX_CONDITIONS],
    /// Disclosed slots.
    pub disclose: [bool; NUM_SLOTS],
}

/// Packs bits little-endian into a field element (fewer than 254 bits).
pub fn pack_bits(bits: &[bool]) -> Fr {
    let mut acc = Fr::from(0u8);
    for b in bits.iter().rev() {
        acc.double_in_place();
        if *b {
            acc += Fr::from(1u8);
        }
    }
    acc
}

impl CompiledPolicy {
    /// All the policy's bits: each condition's, then the disclosure mask.
    pub fn bits(&self) -> Vec<bool> {
        let mut bits: Vec<bool> = self.conditions.iter().flat_map(|c| c.bits()).collect();
        bits.extend_from_slice(&self.disclose);
        bits
    }

    /// The query hash for these disclosed values (0 in slots not disclosed).
    pub fn query_hash(&self, disclosed: &[Fr; NUM_SLOTS]) -> Fr {
        let mut inputs = Vec::with_capacity(QUERY_LEN);
        inputs.push(self.schema);
        inputs.push(self.issuer);
        inputs.push(pack_bits(&self.bits()));
        for c in &self.conditions {
            inputs.extend_from_slice(&c.values);
        }
        inputs.extend_from_slice(disclosed);
        match poseidon::hash_long(Domain::Query, &inputs) {
            Ok(h) => h,
            Err(_) => unreachable!("hash_long takes any length"),
        }
    }
}

impl Policy {
    /// A policy with no conditions.
    pub fn new(schema: Schema, issuer: &str) -> Self {
        Policy {
            schema,
            issuer: issuer.into(),
            conditions: vec![],
            disclose: vec![],
        }
    }

    /// Compiles to the circuit's shape; fails if the policy does not fit or is malformed.
    pub fn compile(&self) -> Result<CompiledPolicy, Error> {
        if self.conditions.len() > MAX_CONDITIONS {
            return Err(Error::InvalidPolicy(format!(
                "{} conditions, at most {MAX_CONDITIONS} fit in one proof",
                self.conditions.len()
            )));
        }
        let mut conditions = [Condition::noop().compile()?; MAX_CONDITIONS];
        for (i, c) in self.conditions.iter().enumerate() {
            for s in &c.slots {
                let unused = self.schema.kind(*s).is_none_or(|k| k == SlotKind::Unused);
                if unused && c.op != Operator::Noop {
                    return Err(Error::InvalidPolicy(format!(
                        "condition {i}: schema {:?} has no slot {s}",
                        self.schema
                    )));
                }
            }
            conditions[i] = c.compile().map_err(|e| match e {
                Error::InvalidPolicy(m) => Error::InvalidPolicy(format!("condition {i}: {m}")),
                e => e,
            })?;
        }
        let mut disclose = [false; NUM_SLOTS];
        for s in &self.disclose {
            let kind = self
                .schema
                .kind(*s)
                .ok_or_else(|| Error::InvalidPolicy(format!("cannot disclose slot {s}")))?;
            if kind == SlotKind::Unused {
                return Err(Error::InvalidPolicy(format!(
                    "slot {s} is unused in {:?}",
                    self.schema
                )));
            }
            disclose[*s] = true;
        }
        Ok(CompiledPolicy {
            schema: self.schema.id(),
            issuer: codes::encode(&self.issuer)?,
            conditions,
            disclose,
        })
    }

    /// The slots disclosed, in slot order.
    pub fn disclosed_slots(&self) -> Vec<usize> {
        let mut s = self.disclose.clone();
        s.sort_unstable();
        s.dedup();
        s
    }

    /// The values a holder reveals for this policy, in [`Self::disclosed_slots`] order.
    pub fn disclosed_values(&self, credential: &Credential) -> Vec<Fr> {
        self.disclosed_slots()
            .into_iter()
            .filter_map(|s| credential.slots.get(s).copied())
            .collect()
    }

    /// The full disclosed-slot array from the revealed values (0 elsewhere).
    pub fn expand_disclosed(&self, values: &[Fr]) -> Result<[Fr; NUM_SLOTS], Error> {
        let slots = self.disclosed_slots();
        if slots.len() != values.len() {
            return Err(Error::InvalidPolicy(format!(
                "the policy discloses {} slot(s), {} value(s) given",
                slots.len(),
                values.len()
            )));
        }
        let mut out = [Fr::from(0u8); NUM_SLOTS];
        for (s, v) in slots.into_iter().zip(values) {
            if let Some(o) = out.get_mut(s) {
                *o = *v;
            }
        }
        Ok(out)
    }

    /// The query hash for the given revealed values.
    pub fn query_hash(&self, disclosed_values: &[Fr]) -> Result<Fr, Error> {
        Ok(self
            .compile()?
            .query_hash(&self.expand_disclosed(disclosed_values)?))
    }

    /// Checks the credential against the policy on `today`, natively. On success returns, for
    /// each of the [`MAX_CONDITIONS`] conditions, the slot it holds on (the prover's witness);
    /// on failure names the unmet condition.
    pub fn check(
        &self,
        credential: &Credential,
        today: Day,
    ) -> Result<[usize; MAX_CONDITIONS], Error> {
        let compiled = self.compile()?;
        if credential.schema != self.schema {
            return Err(Error::ConditionNotMet {
                index: 0,
                description: format!("schema is {:?}", self.schema),
                reason: format!("credential is a {:?} credential", credential.schema),
            });
        }
        if credential.issuer != compiled.issuer {
            return Err(Error::ConditionNotMet {
                index: 0,
                description: format!("issuer is {}", self.issuer),
                reason: format!(
                    "credential is issued by {}",
                    codes::decode(&credential.issuer).unwrap_or_else(|| "another issuer".into())
                ),
            });
        }
        if credential.expiry < today {
            return Err(Error::Expired {
                expiry: credential.expiry.to_string(),
                today: today.to_string(),
            });
        }
        let mut chosen = [0usize; MAX_CONDITIONS];
        for (i, c) in self.conditions.iter().enumerate() {
            chosen[i] =
                c.evaluate(&credential.slots, today)
                    .map_err(|reason| Error::ConditionNotMet {
                        index: i,
                        description: c.describe(self.schema),
                        reason,
                    })?;
        }
        Ok(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::tests::{find, vaccination, VACCINATION};

    /// Over several slots, a condition is met by any one of them; an empty slot (0) satisfies
    /// `ne`, `nin` and comparisons, so those are refused over several slots, and `eq`/`in` only
    /// with non-zero constants.
    #[test]
    fn multi_slot_conditions_that_an_empty_slot_would_meet_are_refused() {
        let two = vec![vaccination::PRODUCT, vaccination::MANUFACTURER];
        let code = || Operand::Code("EU/1/20/1528".into());
        let refused = [
            (Operator::Ne, vec![code()]),
            (Operator::Nin, vec![code()]),
            (Operator::Lt, vec![Operand::Number(5)]),
            (Operator::Le, vec![Operand::Number(5)]),
            (Operator::Gt, vec![Operand::Number(0)]),
            (Operator::Ge, vec![Operand::Number(0)]),
            (
                Operator::Between,
                vec![Operand::Number(0), Operand::Number(5)],
            ),
            (Operator::Eq, vec![Operand::Number(0)]),
            (Operator::In, vec![code(), Operand::Number(0)]),
            (Operator::Eq, vec![Operand::Slot(vaccination::COUNTRY)]),
        ];
        for (op, values) in refused {
            let c = Condition {
                slots: two.clone(),
                op,
                values: values.clone(),
            };
            let err = c.compile().unwrap_err();
            assert!(
                matches!(&err, Error::InvalidPolicy(m) if m.contains("empty slot")),
                "{op:?} {values:?}: {err}"
            );
            // The same condition on one slot is fine.
            let one = Condition {
                slots: vec![vaccination::PRODUCT],
                ..c
            };
            assert!(one.compile().is_ok(), "{op:?} on one slot");
            // And a policy holding it fails to compile as a whole.
            let policy = Policy {
                conditions: vec![Condition {
                    slots: two.clone(),
                    op,
                    values,
                }],
                ..Policy::new(VACCINATION, "NL-RIVM")
            };
            assert!(policy.compile().is_err());
        }
        for (op, values) in [
            (Operator::Eq, vec![code()]),
            (
                Operator::In,
                vec![code(), Operand::Code("EU/1/20/1507".into())],
            ),
        ] {
            let c = Condition {
                slots: two.clone(),
                op,
                values,
            };
            assert!(c.compile().is_ok(), "{op:?}");
        }
    }

    fn policy() -> Policy {
        Policy {
            conditions: vec![Condition::new(
                vaccination::DOSE_NUMBER,
                Operator::Ge,
                vec![Operand::Number(2)],
            )],
            disclose: vec![vaccination::COUNTRY],
            ..Policy::new(VACCINATION, "NL-RIVM")
        }
    }

    #[test]
    fn a_policy_round_trips_through_its_spec_byte_for_byte() {
        let json = serde_json::to_string(&policy()).unwrap();
        assert_eq!(
            json,
            r#"{"schema":"vaccination","issuer":"NL-RIVM","conditions":[{"slots":[4],"op":"ge","values":[{"number":2}]}],"disclose":[7]}"#
        );
        let spec: PolicySpec = serde_json::from_str(&json).unwrap();
        assert_eq!(spec, PolicySpec::from(policy()));
        assert_eq!(serde_json::to_string(&spec).unwrap(), json);
        let back = spec.resolve(find).unwrap();
        assert_eq!(back, policy());
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn resolving_an_unknown_schema_is_a_typed_error() {
        let spec = PolicySpec::from(policy());
        assert_eq!(
            spec.clone().resolve(|_| None),
            Err(Error::UnknownSchema("vaccination".into()))
        );
        let renamed = PolicySpec {
            schema: "Vaccination".into(),
            ..spec
        };
        assert_eq!(
            renamed.resolve(find),
            Err(Error::UnknownSchema("Vaccination".into()))
        );
    }

    #[test]
    fn a_policy_spec_refuses_unknown_fields_and_defaults_disclose() {
        let spec: PolicySpec =
            serde_json::from_str(r#"{"schema":"identity","issuer":"X","conditions":[]}"#).unwrap();
        assert!(spec.disclose.is_empty());
        assert!(serde_json::from_str::<PolicySpec>(
            r#"{"schema":"identity","issuer":"X","conditions":[],"extra":1}"#
        )
        .is_err());
        assert!(serde_json::from_str::<PolicySpec>(r#"{"issuer":"X","conditions":[]}"#).is_err());
    }

    #[test]
    fn compile_refuses_conditions_and_disclosure_on_unused_slots() {
        let identity = crate::credential::tests::IDENTITY;
        let on_unused = Policy {
            conditions: vec![Condition::new(1, Operator::Eq, vec![Operand::Number(1)])],
            ..Policy::new(identity, "NL-RIVM")
        };
        assert_eq!(
            on_unused.compile(),
            Err(Error::InvalidPolicy(
                "condition 0: schema identity has no slot 1".into()
            ))
        );
        let disclosing_unused = Policy {
            disclose: vec![3],
            ..Policy::new(identity, "NL-RIVM")
        };
        assert_eq!(
            disclosing_unused.compile(),
            Err(Error::InvalidPolicy("slot 3 is unused in identity".into()))
        );
        let past_the_end = Policy {
            disclose: vec![NUM_SLOTS],
            ..Policy::new(identity, "NL-RIVM")
        };
        assert_eq!(
            past_the_end.compile(),
            Err(Error::InvalidPolicy(format!(
                "cannot disclose slot {NUM_SLOTS}"
            )))
        );
        assert!(policy().compile().is_ok());
    }
}
