//go:build unix && !linux

package main

import "errors"

func setBatch(on bool) error {
	if on {
		return errors.New("-sched batch needs Linux")
	}
	return nil
}
