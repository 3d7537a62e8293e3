//! A vocabulary of CPV 2008 codes common in innovation procurement, with Spanish and English
//! names, for the CPV picker. Codes outside it are still accepted wherever a CPV code is.

/// Code, Spanish name, English name.
pub const CPV_NAMES: &[(&str, &str, &str)] = &[
    (
        "03000000",
        "Productos de la agricultura, ganadería, pesca, silvicultura y afines",
        "Agricultural, farming, fishing, forestry and related products",
    ),
    (
        "09300000",
        "Electricidad, calefacción, energía solar y nuclear",
        "Electricity, heating, solar and nuclear energy",
    ),
    ("09332000", "Instalación solar", "Solar installation"),
    (
        "15000000",
        "Alimentos, bebidas, tabaco y productos afines",
        "Food, beverages, tobacco and related products",
    ),
    (
        "30000000",
        "Máquinas, equipo y artículos de oficina y de informática",
        "Office and computing machinery, equipment and supplies",
    ),
    (
        "30200000",
        "Equipo y material informático",
        "Computer equipment and supplies",
    ),
    (
        "32000000",
        "Equipos de radio, televisión, comunicaciones y telecomunicaciones",
        "Radio, television, communication, telecommunication and related equipment",
    ),
    ("32400000", "Redes", "Networks"),
    (
        "32440000",
        "Equipo de telemetría y terminales",
        "Telemetry and terminal equipment",
    ),
    ("32441000", "Equipo de telemetría", "Telemetry equipment"),
    (
        "32500000",
        "Equipo de telecomunicaciones",
        "Telecommunications equipment",
    ),
    (
        "33000000",
        "Equipamiento y artículos médicos, farmacéuticos y de higiene personal",
        "Medical equipments, pharmaceuticals and personal care products",
    ),
    ("33100000", "Equipamiento médico", "Medical equipments"),
    (
        "33122000",
        "Equipo de oftalmología",
        "Ophthalmology equipment",
    ),
    (
        "33195000",
        "Sistema de vigilancia de pacientes",
        "Patient-monitoring system",
    ),
    (
        "34000000",
        "Equipos de transporte y productos auxiliares",
        "Transport equipment and auxiliary products to transportation",
    ),
    (
        "34926000",
        "Equipo de control de aparcamientos",
        "Car park control equipment",
    ),
    (
        "34996000",
        "Equipo de control, seguridad o señalización para carreteras",
        "Control, safety or signalling equipment for roads",
    ),
    (
        "35000000",
        "Equipo de seguridad, extinción de incendios, policía y defensa",
        "Security, fire-fighting, police and defence equipment",
    ),
    (
        "35100000",
        "Equipo de emergencia y seguridad",
        "Emergency and security equipment",
    ),
    (
        "35120000",
        "Sistemas y dispositivos de vigilancia y seguridad",
        "Surveillance and security systems and devices",
    ),
    (
        "35613000",
        "Vehículos aéreos no tripulados",
        "Unmanned aerial vehicles",
    ),
    (
        "38000000",
        "Equipo de laboratorio, óptico y de precisión",
        "Laboratory, optical and precision equipments",
    ),
    (
        "38120000",
        "Instrumentos de meteorología",
        "Meteorological instruments",
    ),
    (
        "38221000",
        "Sistemas de información geográfica (SIG)",
        "Geographic information systems (GIS)",
    ),
    (
        "38290000",
        "Instrumentos de topografía, hidrografía, oceanografía e hidrología",
        "Surveying, hydrographic, oceanographic and hydrological instruments",
    ),
    (
        "38340000",
        "Instrumentos de medida de magnitudes",
        "Instruments for measuring quantities",
    ),
    (
        "38344000",
        "Dispositivos de control de la contaminación",
        "Pollution-monitoring devices",
    ),
    (
        "38420000",
        "Instrumentos de medida del caudal, el nivel y la presión",
        "Instruments for measuring flow, level and pressure of liquids and gases",
    ),
    (
        "38430000",
        "Aparatos de detección y análisis",
        "Detection and analysis apparatus",
    ),
    ("38551000", "Contadores de energía", "Energy meters"),
    ("42520000", "Equipo de ventilación", "Ventilation equipment"),
    ("45000000", "Trabajos de construcción", "Construction work"),
    (
        "45331000",
        "Instalación de calefacción, ventilación y aire acondicionado",
        "Heating, ventilation and air-conditioning installation work",
    ),
    (
        "48000000",
        "Paquetes de software y sistemas de información",
        "Software package and information systems",
    ),
    (
        "48100000",
        "Paquetes de software específicos de la industria",
        "Industry specific software package",
    ),
    (
        "48180000",
        "Paquetes de software médico",
        "Medical software package",
    ),
    (
        "48190000",
        "Paquetes de software educativo",
        "Educational software package",
    ),
    (
        "48300000",
        "Paquetes de software de creación de documentos, dibujo, tratamiento de imágenes, planificación y productividad",
        "Document creation, drawing, imaging, scheduling and productivity software package",
    ),
    (
        "48311000",
        "Paquetes de software de gestión de documentos",
        "Document management software package",
    ),
    (
        "48332000",
        "Paquetes de software de planificación",
        "Scheduling software package",
    ),
    (
        "48400000",
        "Paquetes de software para transacciones comerciales y personales",
        "Business transaction and personal business software package",
    ),
    (
        "48482000",
        "Software de inteligencia empresarial",
        "Business intelligence software",
    ),
    (
        "48600000",
        "Paquetes de software de bases de datos y de funcionamiento",
        "Database and operating software package",
    ),
    (
        "48700000",
        "Utilidades de paquetes de software",
        "Software package utilities",
    ),
    (
        "48730000",
        "Paquetes de software de seguridad",
        "Security software package",
    ),
    (
        "48800000",
        "Sistemas y servidores de información",
        "Information systems and servers",
    ),
    (
        "48813000",
        "Sistema de información para pasajeros",
        "Passenger information system",
    ),
    (
        "48813200",
        "Sistema de información en tiempo real para pasajeros",
        "Real-time passenger information system",
    ),
    (
        "48814000",
        "Sistemas de información médica",
        "Medical information systems",
    ),
    (
        "50000000",
        "Servicios de reparación y mantenimiento",
        "Repair and maintenance services",
    ),
    (
        "50720000",
        "Servicios de reparación y mantenimiento de calefacción central",
        "Repair and maintenance services of central heating",
    ),
    (
        "60000000",
        "Servicios de transporte (excluido el transporte de residuos)",
        "Transport services (excl. waste transport)",
    ),
    (
        "60112000",
        "Servicios de transporte público por carretera",
        "Public road transport services",
    ),
    (
        "63513000",
        "Servicios de información turística",
        "Tourist information services",
    ),
    (
        "65100000",
        "Distribución de agua y servicios conexos",
        "Water distribution and related services",
    ),
    (
        "70000000",
        "Servicios inmobiliarios",
        "Real estate services",
    ),
    (
        "71000000",
        "Servicios de arquitectura, construcción, ingeniería e inspección",
        "Architectural, construction, engineering and inspection services",
    ),
    (
        "71300000",
        "Servicios de ingeniería",
        "Engineering services",
    ),
    (
        "71311000",
        "Servicios de consultoría en ingeniería civil",
        "Civil engineering consultancy services",
    ),
    (
        "71311200",
        "Servicios de consultoría en sistemas de transporte",
        "Transport systems consultancy services",
    ),
    (
        "71311210",
        "Servicios de consultoría en carreteras",
        "Highways consultancy services",
    ),
    (
        "71312000",
        "Servicios de consultoría en ingeniería estructural",
        "Structural engineering consultancy services",
    ),
    (
        "71314000",
        "Servicios relacionados con la energía",
        "Energy and related services",
    ),
    (
        "71314300",
        "Servicios de consultoría en eficiencia energética",
        "Energy-efficiency consultancy services",
    ),
    (
        "71320000",
        "Servicios de diseño técnico",
        "Engineering design services",
    ),
    (
        "71354000",
        "Servicios de cartografía",
        "Map-making services",
    ),
    (
        "71631000",
        "Servicios de inspección técnica",
        "Technical inspection services",
    ),
    (
        "71800000",
        "Servicios de consultoría en suministro de agua y residuos",
        "Consulting services for water-supply and waste consultancy",
    ),
    (
        "72000000",
        "Servicios de TI: consultoría, desarrollo de software, Internet y apoyo",
        "IT services: consulting, software development, Internet and support",
    ),
    (
        "72200000",
        "Servicios de programación de software y de consultoría",
        "Software programming and consultancy services",
    ),
    (
        "72212000",
        "Servicios de programación de software de aplicación",
        "Programming services of application software",
    ),
    (
        "72300000",
        "Servicios relacionados con datos",
        "Data services",
    ),
    (
        "72310000",
        "Servicios de tratamiento de datos",
        "Data-processing services",
    ),
    (
        "72316000",
        "Servicios de análisis de datos",
        "Data analysis services",
    ),
    (
        "72317000",
        "Servicios de almacenamiento de datos",
        "Data storage services",
    ),
    (
        "72320000",
        "Servicios de bases de datos",
        "Database services",
    ),
    (
        "72322000",
        "Servicios de gestión de datos",
        "Data management services",
    ),
    (
        "72330000",
        "Servicios de normalización y clasificación de contenidos o datos",
        "Content or data standardization and classification services",
    ),
    ("72400000", "Servicios de Internet", "Internet services"),
    (
        "72500000",
        "Servicios informáticos",
        "Computer-related services",
    ),
    (
        "72600000",
        "Servicios de apoyo informático y de consultoría",
        "Computer support and consultancy services",
    ),
    (
        "72700000",
        "Servicios de red informática",
        "Computer network services",
    ),
    (
        "72800000",
        "Servicios de auditoría y de pruebas informáticas",
        "Computer audit and testing services",
    ),
    (
        "72900000",
        "Servicios de copia de seguridad y de conversión informática de catálogos",
        "Computer back-up and catalogue conversion services",
    ),
    (
        "73000000",
        "Servicios de investigación y desarrollo y servicios de consultoría conexos",
        "Research and development services and related consultancy services",
    ),
    (
        "73100000",
        "Servicios de investigación y desarrollo experimental",
        "Research and experimental development services",
    ),
    (
        "73110000",
        "Servicios de investigación",
        "Research services",
    ),
    (
        "73200000",
        "Servicios de consultoría en investigación y desarrollo",
        "Research and development consultancy services",
    ),
    (
        "75250000",
        "Servicios de bomberos y de salvamento",
        "Fire-brigade and rescue services",
    ),
    ("77100000", "Servicios agrícolas", "Agricultural services"),
    (
        "79000000",
        "Servicios a empresas: legislación, mercadotecnia, asesoría, selección de personal, imprenta y seguridad",
        "Business services: law, marketing, consulting, recruitment, printing and security",
    ),
    ("79212000", "Servicios de auditoría", "Auditing services"),
    ("79311000", "Servicios de estudios", "Survey services"),
    (
        "79400000",
        "Servicios de consultoría comercial y de gestión y servicios conexos",
        "Business and management consultancy and related services",
    ),
    (
        "79411000",
        "Servicios generales de consultoría en gestión",
        "General management consultancy services",
    ),
    ("79512000", "Centro de llamadas", "Call centre"),
    (
        "79530000",
        "Servicios de traducción",
        "Translation services",
    ),
    (
        "79600000",
        "Servicios de contratación",
        "Recruitment services",
    ),
    (
        "79611000",
        "Servicios de búsqueda de empleo",
        "Job search services",
    ),
    (
        "80000000",
        "Servicios de enseñanza y formación",
        "Education and training services",
    ),
    (
        "80420000",
        "Servicios de aprendizaje electrónico",
        "E-learning services",
    ),
    ("80500000", "Servicios de formación", "Training services"),
    (
        "85000000",
        "Servicios de salud y asistencia social",
        "Health and social work services",
    ),
    ("85100000", "Servicios de salud", "Health services"),
    ("85143000", "Servicios de ambulancia", "Ambulance services"),
    (
        "85300000",
        "Servicios de asistencia social y servicios conexos",
        "Social work and related services",
    ),
    (
        "85312400",
        "Servicios de bienestar social no prestados por instituciones residenciales",
        "Welfare services not delivered through residential institutions",
    ),
    ("85320000", "Servicios sociales", "Social services"),
    (
        "90000000",
        "Servicios de alcantarillado, gestión de residuos, limpieza y medio ambiente",
        "Sewage, refuse, cleaning and environmental services",
    ),
    (
        "90500000",
        "Servicios relacionados con desperdicios y residuos",
        "Refuse and waste related services",
    ),
    (
        "90510000",
        "Eliminación y tratamiento de residuos",
        "Refuse disposal and treatment",
    ),
    (
        "90511000",
        "Servicios de recogida de residuos",
        "Refuse collection services",
    ),
    (
        "90700000",
        "Servicios medioambientales",
        "Environmental services",
    ),
    (
        "90711000",
        "Evaluación medioambiental excepto para la construcción",
        "Environmental impact assessment other than for construction",
    ),
    (
        "90731400",
        "Servicios de supervisión o medición de la contaminación atmosférica",
        "Air pollution monitoring or measurement services",
    ),
    (
        "90733000",
        "Servicios relacionados con la contaminación del agua",
        "Services related to water pollution",
    ),
    (
        "92000000",
        "Servicios recreativos, culturales y deportivos",
        "Recreational, cultural and sporting services",
    ),
    ("92521000", "Servicios de museos", "Museum services"),
];

/// The picker's options in the page language.
pub fn options(es: bool) -> Vec<crate::pages::company::CpvOption> {
    CPV_NAMES
        .iter()
        .map(
            |(code, name_es, name_en)| crate::pages::company::CpvOption {
                code: (*code).to_owned(),
                name: (if es { *name_es } else { *name_en }).to_owned(),
            },
        )
        .collect()
}
