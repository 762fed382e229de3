// Package units formats and parses sizes and durations the way Docker does
// (its go-units library), and builds the status strings `docker ps` prints:
// "Up 4 seconds", "Exited (137) 2 seconds ago", "Created".
package units
