//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// loadRaw is load with a minimal HTTP/1.1 client, the way wrk or h2load
// measure a server: each connection is one goroutine that writes a prebuilt
// request and reads the answer, with none of net/http's per-request
// goroutine handoffs. The generator shares the server's two vCPUs, so
// every microsecond it saves is the server's.
func loadRaw(rawURL string, bodies [][]byte, conns int, d time.Duration) result {
	u, err := url.Parse(rawURL)
	check(err)
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: snag-bench/1\r\nContent-Type: application/x-sentry-envelope\r\nContent-Encoding: gzip\r\nContent-Length: ", u.RequestURI(), u.Host)
	return drive(bodies, conns, d, func() (func([]byte) (int, error), func()) {
		var conn net.Conn
		var br *bufio.Reader
		buf := make([]byte, 0, 64<<10)
		send := func(body []byte) (int, error) {
			if conn == nil {
				c, err := net.Dial("tcp", u.Host)
				if err != nil {
					time.Sleep(time.Millisecond)
					return 0, err
				}
				conn, br = c, bufio.NewReaderSize(c, 4<<10)
			}
			buf = append(buf[:0], head...)
			buf = strconv.AppendInt(buf, int64(len(body)), 10)
			buf = append(buf, "\r\n\r\n"...)
			buf = append(buf, body...)
			status, keep, err := roundTrip(conn, br, buf)
			if err != nil || !keep {
				conn.Close()
				conn = nil
			}
			return status, err
		}
		done := func() {
			if conn != nil {
				conn.Close()
			}
		}
		return send, done
	})
}

// roundTrip writes one request and reads its answer: the status, and whether
// the connection stays open. It reads bodies with a Content-Length only,
// which is how net/http answers small handlers.
func roundTrip(conn net.Conn, br *bufio.Reader, req []byte) (status int, keep bool, err error) {
	if _, err := conn.Write(req); err != nil {
		return 0, false, err
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, keep := -1, true
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.Atoi(string(value))
			if err != nil {
				return 0, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, false, errors.New("chunked answers are not supported by the raw client")
		}
	}
	if length < 0 {
		return 0, false, errors.New("answer without Content-Length")
	}
	if _, err := br.Discard(length); err != nil {
		return 0, false, err
	}
	return status, keep, nil
}
