// Command standalone is a module of its own, copied to different directories by the tests to
// prove the archive does not depend on where the source lives.
package main

import "os"

func main() {
	os.Stdout.WriteString("hello\n")
}
