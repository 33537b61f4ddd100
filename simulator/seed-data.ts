// Static fixture lists for the seeded demo accounts: venues (name, address, town, postcode, country,
// timezone, lat, lng, type), AP placements and device models. Pure data, no logic.

export type Venue = [name: string, address: string, town: string, postcode: string, country: string,
  timezone: string, lat: number, lng: number, type: string];

export const DEMO_VENUES: Venue[] = [
  ['Stuff Got Real', 'One Long Road', 'Derby', 'DE1 2QS', 'GB', 'Europe/London', 52.9225, -1.4746, 'Office'],
  ['The Crown & Anchor', '22 Market Place', 'Derby', 'DE1 3AF', 'GB', 'Europe/London', 52.9218, -1.4767, 'Pub'],
  ['Riverside Hotel', '4 Quay Street', 'Bristol', 'BS1 4DB', 'GB', 'Europe/London', 51.4545, -2.5979, 'Hotel'],
  ['Harbour View Cafe', '17 Harbour Walk', 'Brighton', 'BN2 5UF', 'GB', 'Europe/London', 50.8128, -0.1023, 'Cafe'],
  ['Northern Quarter Coworking', '58 Tib Street', 'Manchester', 'M4 1LW', 'GB', 'Europe/London', 53.4839, -2.2346, 'Coworking'],
  ['Castle Street Library', '9 Castle Street', 'Edinburgh', 'EH2 3AH', 'GB', 'Europe/London', 55.9517, -3.2010, 'Library'],
  ['The Old Mill Inn', 'Mill Lane', 'Ambleside', 'LA22 9DJ', 'GB', 'Europe/London', 54.4327, -2.9624, 'Pub'],
  ['Westgate Shopping Centre', 'Queen Street', 'Oxford', 'OX1 1PE', 'GB', 'Europe/London', 51.7506, -1.2607, 'Retail'],
  ['St Mary\'s Community Hall', '3 Church Row', 'Norwich', 'NR2 1QW', 'GB', 'Europe/London', 52.6311, 1.2922, 'Community'],
  ['Grand Central Bakery', '101 Bold Street', 'Liverpool', 'L1 4HY', 'GB', 'Europe/London', 53.4027, -2.9796, 'Cafe'],
  ['Parkside Leisure Centre', 'Park Road', 'Leeds', 'LS6 2DQ', 'GB', 'Europe/London', 53.8115, -1.5612, 'Leisure'],
  ['Blue Door Guesthouse', '14 Marine Parade', 'Whitby', 'YO21 3PR', 'GB', 'Europe/London', 54.4866, -0.6148, 'Hotel'],
  ['Millennium Point Conference Centre', 'Curzon Street', 'Birmingham', 'B4 7XG', 'GB', 'Europe/London', 52.4829, -1.8868, 'Conference'],
  ['The Lantern Theatre', '2 Broad Street', 'Sheffield', 'S1 2BQ', 'GB', 'Europe/London', 53.3811, -1.4701, 'Venue'],
  ['Quayside Marina', 'Marina Way', 'Swansea', 'SA1 1UW', 'GB', 'Europe/London', 51.6161, -3.9339, 'Marina'],
  ['Copper Kettle Tearooms', '6 High Street', 'Stamford', 'PE9 2AL', 'GB', 'Europe/London', 52.6531, -0.4797, 'Cafe'],
  ['Greenfield Primary School', 'Greenfield Lane', 'Nottingham', 'NG7 2RF', 'GB', 'Europe/London', 52.9489, -1.1790, 'Education'],
  ['Kingsway Medical Practice', '40 Kingsway', 'Cardiff', 'CF10 3AN', 'GB', 'Europe/London', 51.4825, -3.1793, 'Healthcare'],
  ['The Botanist Bar', '12 Deansgate', 'Manchester', 'M3 2BW', 'GB', 'Europe/London', 53.4826, -2.2487, 'Bar'],
  ['Seaview Holiday Park', 'Cliff Road', 'Newquay', 'TR7 1SG', 'GB', 'Europe/London', 50.4167, -5.0846, 'Holiday park'],
  ['Victoria Station Kiosk', 'Station Approach', 'London', 'SW1V 1JU', 'GB', 'Europe/London', 51.4952, -0.1441, 'Retail'],
  ['Shoreditch Works', '31 Rivington Street', 'London', 'EC2A 3DT', 'GB', 'Europe/London', 51.5265, -0.0804, 'Coworking'],
  ['Camden Lock Market Hall', '54 Camden Lock Place', 'London', 'NW1 8AF', 'GB', 'Europe/London', 51.5414, -0.1463, 'Market'],
  ['The Granary Hostel', '7 Granary Wharf', 'Leeds', 'LS1 4BR', 'GB', 'Europe/London', 53.7941, -1.5474, 'Hostel'],
  ['Abbey Road Dental', '88 Abbey Road', 'Bath', 'BA1 2LJ', 'GB', 'Europe/London', 51.3811, -2.3590, 'Healthcare'],
  ['Highland Lodge', 'Loch Road', 'Inverness', 'IV3 5NH', 'GB', 'Europe/London', 57.4778, -4.2247, 'Hotel'],
  ['Temple Bar Social', '19 Fleet Street', 'Dublin', 'D02 W924', 'IE', 'Europe/Dublin', 53.3455, -6.2615, 'Bar'],
  ['Galway Bay Surf School', 'Salthill Promenade', 'Galway', 'H91 X2Y7', 'IE', 'Europe/Dublin', 53.2590, -9.0820, 'Leisure'],
  ['Café de Flore Marais', '12 Rue des Archives', 'Paris', '75004', 'FR', 'Europe/Paris', 48.8589, 2.3556, 'Cafe'],
  ['Hotel Sonnenhof', 'Seestraße 14', 'Munich', '80802', 'DE', 'Europe/Berlin', 48.1580, 11.5880, 'Hotel'],
  ['Brouwerij De Haven', 'Haven 33', 'Amsterdam', '1011 AB', 'NL', 'Europe/Amsterdam', 52.3748, 4.9003, 'Bar'],
  ['Mercado Central Stall 14', 'Plaza Ciudad de Brujas', 'Valencia', '46001', 'ES', 'Europe/Madrid', 39.4737, -0.3790, 'Market'],
  ['Trattoria da Luigi', 'Via dei Coronari 41', 'Rome', '00186', 'IT', 'Europe/Rome', 41.8998, 12.4706, 'Restaurant'],
  ['Nordic Fjord Cabins', 'Fjordveien 2', 'Bergen', '5003', 'NO', 'Europe/Oslo', 60.3930, 5.3242, 'Holiday park'],
  ['Baltic Harbour Hostel', 'Mere pst 6', 'Tallinn', '10111', 'EE', 'Europe/Tallinn', 59.4378, 24.7536, 'Hostel'],
  ['Mission Street Coffee', '2100 Mission Street', 'San Francisco', '94110', 'US', 'America/Los_Angeles', 37.7631, -122.4194, 'Cafe'],
  ['Pearl District Brewhouse', '1133 NW 10th Ave', 'Portland', '97209', 'US', 'America/Los_Angeles', 45.5311, -122.6813, 'Bar'],
  ['Lakeshore Conference Hotel', '401 N Lake Shore Dr', 'Chicago', '60611', 'US', 'America/Chicago', 41.8897, -87.6160, 'Hotel'],
  ['Brooklyn Makerspace', '55 Washington Street', 'New York', '11201', 'US', 'America/New_York', 40.7033, -73.9893, 'Coworking'],
  ['Harbourfront Yoga Studio', '235 Queens Quay W', 'Toronto', 'M5J 2G8', 'CA', 'America/Toronto', 43.6389, -79.3817, 'Leisure'],
  ['Bondi Beach Kiosk', 'Queen Elizabeth Drive', 'Sydney', '2026', 'AU', 'Australia/Sydney', -33.8908, 151.2743, 'Retail'],
  ['Cape Town Waterfront Deli', '19 Dock Road', 'Cape Town', '8001', 'ZA', 'Africa/Johannesburg', -33.9036, 18.4206, 'Restaurant'],
  ['Marina Bay Pop-up', '10 Bayfront Avenue', 'Singapore', '018956', 'SG', 'Asia/Singapore', 1.2834, 103.8607, 'Retail'],
  ['Dubai Creek Majlis', 'Al Seef Street', 'Dubai', '00000', 'AE', 'Asia/Dubai', 25.2637, 55.3044, 'Cafe'],
];

export const OTHER_VENUES: Venue[] = [
  ['Sunset Surf Shack', '3 Beach Road', 'Bude', 'EX23 8HN', 'GB', 'Europe/London', 50.8297, -4.5461, 'Retail'],
  ['Hilltop Golf Club', 'Golf Lane', 'St Andrews', 'KY16 9JD', 'GB', 'Europe/London', 56.3431, -2.8029, 'Leisure'],
  ['Dockside Diner', '8 Dock Street', 'Hull', 'HU1 3DG', 'GB', 'Europe/London', 53.7426, -0.3352, 'Restaurant'],
  ['Maple Leaf Motel', '77 Highway 1', 'Halifax', 'B3H 1A1', 'CA', 'America/Halifax', 44.6488, -63.5752, 'Hotel'],
];

export const PLACEMENTS = ['Reception', 'Lobby', 'Bar', 'Restaurant', 'Kitchen', 'Terrace', 'Office', 'Meeting Room',
  'Conference Room A', 'Conference Room B', 'Floor 1 East', 'Floor 1 West', 'Floor 2 East', 'Floor 2 West',
  'Floor 3', 'Corridor', 'Garden', 'Pool Deck', 'Gym', 'Stockroom', 'Back Office', 'Front of House', 'Car Park',
  'Cellar', 'Mezzanine', 'Stage', 'Hall', 'Cafe Area', 'Rooftop', 'Room 101', 'Room 214', 'Room 305'];

export interface DeviceModel {
  machine_type: string; ouis: string[]; is_cucumber: boolean; firmware: string[]; serialPrefix: string;
  device_icon: string; dual_band: boolean; is_ac: boolean;
}

export const DEVICE_MODELS: DeviceModel[] = [
  { machine_type: 'ubnt-unifi-ac-lite', ouis: ['04:18:d6', 'dc:9f:db', '24:a4:3c', 'f0:9f:c2'], is_cucumber: true,
    firmware: ['3.4.12', '3.4.14', '3.5.2'], serialPrefix: 'UAP', device_icon: 'unifi.png', dual_band: true, is_ac: true },
  { machine_type: 'openmesh-om2p', ouis: ['ac:86:74'], is_cucumber: true, firmware: ['3.2.9', '3.4.12'],
    serialPrefix: 'OM2P', device_icon: 'om2p.png', dual_band: false, is_ac: false },
  { machine_type: 'tplink-eap225', ouis: ['c4:6e:1f', '50:c7:bf'], is_cucumber: true, firmware: ['3.4.14', '3.5.2'],
    serialPrefix: '2178', device_icon: 'tplink.png', dual_band: true, is_ac: true },
  { machine_type: 'meraki-mr-18', ouis: ['00:18:0a', '88:15:44'], is_cucumber: false, firmware: ['MR 25.13', 'MR 26.8'],
    serialPrefix: 'Q2GD', device_icon: 'meraki.png', dual_band: true, is_ac: false },
  { machine_type: 'meraki-mr-33', ouis: ['e0:55:3d', '0c:8d:db'], is_cucumber: false, firmware: ['MR 26.8', 'MR 27.7'],
    serialPrefix: 'Q2PD', device_icon: 'meraki.png', dual_band: true, is_ac: true },
  { machine_type: 'aruba', ouis: ['00:0b:86', '24:de:c6'], is_cucumber: false, firmware: ['8.6.0.4'],
    serialPrefix: 'CNF7', device_icon: 'aruba.png', dual_band: true, is_ac: true },
  { machine_type: 'ruckus', ouis: ['2c:5d:93', '58:b6:33'], is_cucumber: false, firmware: ['110.0.0.0.2005'],
    serialPrefix: '9418', device_icon: 'ruckus.png', dual_band: true, is_ac: true },
  { machine_type: 'mikrotik', ouis: ['4c:5e:0c', '6c:3b:6b'], is_cucumber: false, firmware: ['6.49.10'],
    serialPrefix: 'HE20', device_icon: 'mikrotik.png', dual_band: false, is_ac: false },
];

export const BATCH_NAMES = ['Lobby', 'Weekend guests', 'Conference day pass', 'Staff', 'Summer festival',
  'Room vouchers', 'Coworking members', 'Wedding party', 'Market traders', 'Evening event', 'Press pass',
  'Contractors'];
