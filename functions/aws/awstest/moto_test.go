package awstest

import (
	"strings"
	"testing"
)

func TestStartMotoWithoutMotoFailsWithInstructions(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := startMoto()
	if err == nil || !strings.Contains(err.Error(), "pip install 'moto[server]") {
		t.Errorf("startMoto without moto_server on PATH: %v, want an error saying how to install it", err)
	}
}
