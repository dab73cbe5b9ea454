package api

// RedactForTest exposes redactLocations to the package's external tests.
var RedactForTest = redactLocations
