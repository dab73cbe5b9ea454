package cdnsign_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/gcp/cdnsign"
)

func ExampleValue() {
	key := cdnsign.Key{Name: "ottkit-edge-1", Secret: []byte("0123456789abcdef")}
	v := cdnsign.Value(key, "https://media.example.com/assets/k5m2/", time.Unix(1798797600, 0))
	fields := strings.Split(v, ":")
	fmt.Println(fields[0])
	fmt.Println(fields[1], fields[2])
	// Output:
	// URLPrefix=aHR0cHM6Ly9tZWRpYS5leGFtcGxlLmNvbS9hc3NldHMvazVtMi8=
	// Expires=1798797600 KeyName=ottkit-edge-1
}
