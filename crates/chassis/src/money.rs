//! Money rules shared by every service: amounts are integers in the currency's minor unit,
//! and a currency is an active ISO 4217 code.

/// Active ISO 4217 currency codes (funds and precious metals excluded).
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL \
BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP \
GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW \
KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO \
NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD \
SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG \
XOF XPF YER ZAR ZMW ZWG";

/// Whether `code` is an active ISO 4217 currency (`USD`, `KRW`; not `ZZZ`, not `usd`).
pub fn is_currency(code: &str) -> bool {
    code.len() == 3 && ISO_4217.split_whitespace().any(|c| c == code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_active_iso_codes_are_currencies() {
        for ok in ["USD", "EUR", "KRW", "JPY", "GBP"] {
            assert!(super::is_currency(ok), "{ok}");
        }
        for bad in ["ZZZ", "usd", "US", "USDX", "XAU", ""] {
            assert!(!super::is_currency(bad), "{bad}");
        }
    }
}
