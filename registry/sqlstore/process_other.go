//go:build !unix

package sqlstore

// processExists cannot ask the system here, so it presumes the process
// alive and leaves the decision to the heartbeat.
func processExists(int) bool { return true }
