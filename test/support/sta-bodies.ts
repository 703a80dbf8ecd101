/** Request bodies of the SensorThings write path, after the examples of OGC 18-088 §10.2. */

export const MEASUREMENT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement';
export const COMPLEX = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation';

export const location = (lon = -114.133, lat = 51.08, name = 'UofC CCIT') => ({
  name,
  description: 'University of Calgary, CCIT building',
  encodingType: 'application/geo+json',
  location: { type: 'Point', coordinates: [lon, lat] },
});

export const sensor = () => ({
  name: 'DHT22',
  description: 'DHT22 temperature sensor',
  encodingType: 'application/pdf',
  metadata: 'https://cdn-shop.adafruit.com/datasheets/DHT22.pdf',
});

export const observedProperty = (name = 'Area Temperature') => ({
  name,
  description: 'The degree or intensity of heat present in the area',
  definition: 'http://www.qudt.org/qudt/owl/1.0.0/quantity/Instances.html#AreaTemperature',
});

export const unit = {
  name: 'Degree Celsius',
  symbol: 'degC',
  definition: 'http://unitsofmeasure.org/ucum.html#para-30',
};

/** A Datastream with Sensor and ObservedProperty inline (no Thing: give it or create under one). */
export const datastream = (extra: Record<string, unknown> = {}) => ({
  name: 'Air Temperature DS',
  description: 'Datastream for recording temperature',
  observationType: MEASUREMENT,
  unitOfMeasurement: unit,
  ObservedProperty: observedProperty(),
  Sensor: sensor(),
  ...extra,
});

/** The deep insert of OGC 18-088 §10.2 (Thing, Location, Datastream, Sensor, ObservedProperty) with Observations. */
export const standardThing = () => ({
  name: 'Temperature Monitoring System',
  description: 'Sensor system monitoring area temperature',
  properties: {
    'Deployment Condition': 'Deployed in a third floor balcony',
    'Case Used': 'Radiation shield',
  },
  Locations: [location()],
  Datastreams: [
    datastream({
      Observations: [
        { phenomenonTime: '2024-05-01T12:00:00Z', result: 21.5 },
        { phenomenonTime: '2024-05-01T12:10:00Z', resultTime: '2024-05-01T12:10:05Z', result: 21.7 },
      ],
    }),
  ],
});

/** A Thing with one Location and nothing else. */
export const thing = (name = 'Weather station', withLocation = true) => ({
  name,
  description: 'A station on a roof',
  ...(withLocation ? { Locations: [location()] } : {}),
});

/** A MultiDatastream of two ObservedProperties for Thing `thingId`. */
export const multiDatastream = (thingId: number) => ({
  name: 'Wind',
  description: 'Speed and direction',
  observationType: COMPLEX,
  unitOfMeasurements: [unit, { name: 'Degree', symbol: 'deg', definition: 'http://unitsofmeasure.org/deg' }],
  multiObservationDataTypes: [MEASUREMENT, MEASUREMENT],
  Thing: { '@iot.id': thingId },
  Sensor: sensor(),
  ObservedProperties: [observedProperty('Wind speed'), observedProperty('Wind direction')],
});

/** A FeatureOfInterest at a point. */
export const featureOfInterest = (lon: number, lat: number, name = 'Elsewhere') => ({
  name,
  description: 'A sampled place',
  encodingType: 'application/geo+json',
  feature: { type: 'Point', coordinates: [lon, lat] },
});
