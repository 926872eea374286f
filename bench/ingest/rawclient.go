//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
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
	var next atomic.Int64
	var mu sync.Mutex
	res := result{statuses: map[int]int64{}}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var ok, failed int64
			statuses := map[int]int64{}
			var conn net.Conn
			var br *bufio.Reader
			buf := make([]byte, 0, 64<<10)
			for ctx.Err() == nil {
				if conn == nil {
					conn, err = net.Dial("tcp", u.Host)
					if err != nil {
						failed++
						time.Sleep(time.Millisecond)
						continue
					}
					br = bufio.NewReaderSize(conn, 4<<10)
				}
				body := bodies[int(next.Add(1)-1)%len(bodies)]
				buf = append(buf[:0], head...)
				buf = strconv.AppendInt(buf, int64(len(body)), 10)
				buf = append(buf, "\r\n\r\n"...)
				buf = append(buf, body...)
				t0 := time.Now()
				status, keep, err := roundTrip(conn, br, buf)
				if err != nil {
					failed++
					conn.Close()
					conn = nil
					continue
				}
				lat = append(lat, time.Since(t0))
				if status == 200 {
					ok++
				} else {
					failed++
					statuses[status]++
				}
				if !keep {
					conn.Close()
					conn = nil
				}
			}
			if conn != nil {
				conn.Close()
			}
			mu.Lock()
			res.ok += ok
			res.failed += failed
			res.latencies = append(res.latencies, lat...)
			for k, v := range statuses {
				res.statuses[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
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
