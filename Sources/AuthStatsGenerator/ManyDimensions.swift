/// The values of high-cardinality dimensions (`generate --dimension-values N`): N app
/// versions, N locales and up to 249 countries, for breakdowns with hundreds of rows a day.
enum ManyDimensions {
    /// ISO 3166 countries and their English short names (from the tz database's `iso3166.tab`).
    static let countries: [(code: String, name: String)] = [
        ("AD", "Andorra"), ("AE", "United Arab Emirates"), ("AF", "Afghanistan"), ("AG", "Antigua and Barbuda"),
        ("AI", "Anguilla"), ("AL", "Albania"), ("AM", "Armenia"), ("AO", "Angola"), ("AQ", "Antarctica"),
        ("AR", "Argentina"), ("AS", "Samoa (American)"), ("AT", "Austria"), ("AU", "Australia"), ("AW", "Aruba"),
        ("AX", "Åland Islands"), ("AZ", "Azerbaijan"), ("BA", "Bosnia and Herzegovina"), ("BB", "Barbados"),
        ("BD", "Bangladesh"), ("BE", "Belgium"), ("BF", "Burkina Faso"), ("BG", "Bulgaria"), ("BH", "Bahrain"),
        ("BI", "Burundi"), ("BJ", "Benin"), ("BL", "St Barthelemy"), ("BM", "Bermuda"), ("BN", "Brunei"),
        ("BO", "Bolivia"), ("BQ", "Caribbean NL"), ("BR", "Brazil"), ("BS", "Bahamas"), ("BT", "Bhutan"),
        ("BV", "Bouvet Island"), ("BW", "Botswana"), ("BY", "Belarus"), ("BZ", "Belize"), ("CA", "Canada"),
        ("CC", "Cocos (Keeling) Islands"), ("CD", "Congo (Dem. Rep.)"), ("CF", "Central African Rep."),
        ("CG", "Congo (Rep.)"), ("CH", "Switzerland"), ("CI", "Côte d'Ivoire"), ("CK", "Cook Islands"),
        ("CL", "Chile"), ("CM", "Cameroon"), ("CN", "China"), ("CO", "Colombia"), ("CR", "Costa Rica"), ("CU", "Cuba"),
        ("CV", "Cape Verde"), ("CW", "Curaçao"), ("CX", "Christmas Island"), ("CY", "Cyprus"),
        ("CZ", "Czech Republic"), ("DE", "Germany"), ("DJ", "Djibouti"), ("DK", "Denmark"), ("DM", "Dominica"),
        ("DO", "Dominican Republic"), ("DZ", "Algeria"), ("EC", "Ecuador"), ("EE", "Estonia"), ("EG", "Egypt"),
        ("EH", "Western Sahara"), ("ER", "Eritrea"), ("ES", "Spain"), ("ET", "Ethiopia"), ("FI", "Finland"),
        ("FJ", "Fiji"), ("FK", "Falkland Islands"), ("FM", "Micronesia"), ("FO", "Faroe Islands"), ("FR", "France"),
        ("GA", "Gabon"), ("GB", "Britain (UK)"), ("GD", "Grenada"), ("GE", "Georgia"), ("GF", "French Guiana"),
        ("GG", "Guernsey"), ("GH", "Ghana"), ("GI", "Gibraltar"), ("GL", "Greenland"), ("GM", "Gambia"),
        ("GN", "Guinea"), ("GP", "Guadeloupe"), ("GQ", "Equatorial Guinea"), ("GR", "Greece"),
        ("GS", "South Georgia and the South Sandwich Islands"), ("GT", "Guatemala"), ("GU", "Guam"),
        ("GW", "Guinea-Bissau"), ("GY", "Guyana"), ("HK", "Hong Kong"), ("HM", "Heard Island and McDonald Islands"),
        ("HN", "Honduras"), ("HR", "Croatia"), ("HT", "Haiti"), ("HU", "Hungary"), ("ID", "Indonesia"),
        ("IE", "Ireland"), ("IL", "Israel"), ("IM", "Isle of Man"), ("IN", "India"),
        ("IO", "British Indian Ocean Territory"), ("IQ", "Iraq"), ("IR", "Iran"), ("IS", "Iceland"), ("IT", "Italy"),
        ("JE", "Jersey"), ("JM", "Jamaica"), ("JO", "Jordan"), ("JP", "Japan"), ("KE", "Kenya"), ("KG", "Kyrgyzstan"),
        ("KH", "Cambodia"), ("KI", "Kiribati"), ("KM", "Comoros"), ("KN", "St Kitts and Nevis"),
        ("KP", "Korea (North)"), ("KR", "Korea (South)"), ("KW", "Kuwait"), ("KY", "Cayman Islands"),
        ("KZ", "Kazakhstan"), ("LA", "Laos"), ("LB", "Lebanon"), ("LC", "St Lucia"), ("LI", "Liechtenstein"),
        ("LK", "Sri Lanka"), ("LR", "Liberia"), ("LS", "Lesotho"), ("LT", "Lithuania"), ("LU", "Luxembourg"),
        ("LV", "Latvia"), ("LY", "Libya"), ("MA", "Morocco"), ("MC", "Monaco"), ("MD", "Moldova"),
        ("ME", "Montenegro"), ("MF", "St Martin (French)"), ("MG", "Madagascar"), ("MH", "Marshall Islands"),
        ("MK", "North Macedonia"), ("ML", "Mali"), ("MM", "Myanmar (Burma)"), ("MN", "Mongolia"), ("MO", "Macau"),
        ("MP", "Northern Mariana Islands"), ("MQ", "Martinique"), ("MR", "Mauritania"), ("MS", "Montserrat"),
        ("MT", "Malta"), ("MU", "Mauritius"), ("MV", "Maldives"), ("MW", "Malawi"), ("MX", "Mexico"),
        ("MY", "Malaysia"), ("MZ", "Mozambique"), ("NA", "Namibia"), ("NC", "New Caledonia"), ("NE", "Niger"),
        ("NF", "Norfolk Island"), ("NG", "Nigeria"), ("NI", "Nicaragua"), ("NL", "Netherlands"), ("NO", "Norway"),
        ("NP", "Nepal"), ("NR", "Nauru"), ("NU", "Niue"), ("NZ", "New Zealand"), ("OM", "Oman"), ("PA", "Panama"),
        ("PE", "Peru"), ("PF", "French Polynesia"), ("PG", "Papua New Guinea"), ("PH", "Philippines"),
        ("PK", "Pakistan"), ("PL", "Poland"), ("PM", "St Pierre and Miquelon"), ("PN", "Pitcairn"),
        ("PR", "Puerto Rico"), ("PS", "Palestine"), ("PT", "Portugal"), ("PW", "Palau"), ("PY", "Paraguay"),
        ("QA", "Qatar"), ("RE", "Réunion"), ("RO", "Romania"), ("RS", "Serbia"), ("RU", "Russia"), ("RW", "Rwanda"),
        ("SA", "Saudi Arabia"), ("SB", "Solomon Islands"), ("SC", "Seychelles"), ("SD", "Sudan"), ("SE", "Sweden"),
        ("SG", "Singapore"), ("SH", "St Helena"), ("SI", "Slovenia"), ("SJ", "Svalbard and Jan Mayen"),
        ("SK", "Slovakia"), ("SL", "Sierra Leone"), ("SM", "San Marino"), ("SN", "Senegal"), ("SO", "Somalia"),
        ("SR", "Suriname"), ("SS", "South Sudan"), ("ST", "Sao Tome and Principe"), ("SV", "El Salvador"),
        ("SX", "St Maarten (Dutch)"), ("SY", "Syria"), ("SZ", "Eswatini (Swaziland)"), ("TC", "Turks and Caicos Is"),
        ("TD", "Chad"), ("TF", "French S. Terr."), ("TG", "Togo"), ("TH", "Thailand"), ("TJ", "Tajikistan"),
        ("TK", "Tokelau"), ("TL", "East Timor"), ("TM", "Turkmenistan"), ("TN", "Tunisia"), ("TO", "Tonga"),
        ("TR", "Turkey"), ("TT", "Trinidad and Tobago"), ("TV", "Tuvalu"), ("TW", "Taiwan"), ("TZ", "Tanzania"),
        ("UA", "Ukraine"), ("UG", "Uganda"), ("UM", "US minor outlying islands"), ("US", "United States"),
        ("UY", "Uruguay"), ("UZ", "Uzbekistan"), ("VA", "Vatican City"), ("VC", "St Vincent"), ("VE", "Venezuela"),
        ("VG", "Virgin Islands (UK)"), ("VI", "Virgin Islands (US)"), ("VN", "Vietnam"), ("VU", "Vanuatu"),
        ("WF", "Wallis and Futuna"), ("WS", "Samoa (western)"), ("YE", "Yemen"), ("YT", "Mayotte"),
        ("ZA", "South Africa"), ("ZM", "Zambia"), ("ZW", "Zimbabwe"),
    ]

    /// Languages the locales are made of (ISO 639-1).
    static let languages = [
        "en", "es", "fr", "de", "pt", "it", "nl", "sv", "da", "nb", "fi", "pl", "cs", "sk", "hu", "ro", "bg", "el", "tr", "ru",
        "uk", "ar", "he", "fa", "hi", "bn", "ta", "te", "th", "vi", "id", "ms", "zh", "ja", "ko", "sw", "af", "ca", "hr", "sr",
        "sl", "lt", "lv", "et",
    ]

    static let names: [String: String] = Dictionary(uniqueKeysWithValues: countries.map { ($0.code, $0.name) })

    /// The `index`th locale: a language and a country, `lang_CC`; the first 5,000 all differ,
    /// and the first 249 are in 249 countries.
    static func locale(_ index: Int) -> String {
        let country = countries[index % countries.count].code
        let language = languages[(index + index / countries.count) % languages.count]
        return "\(language)_\(country)"
    }

    /// The `index`th app version: `1.0.0`, `1.0.1`, … `1.0.9`, `1.1.0`, …
    static func version(_ index: Int) -> String { "\(1 + index / 100).\(index / 10 % 10).\(index % 10)" }
}
