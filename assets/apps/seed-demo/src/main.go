// Command demo is the seed article's Go service, rewritten for meshtui.
//
// One binary plays every role of the sample mesh: it serves /api/healthz and
// /api/, calls the services listed in UPSTREAMS (propagating x-request-id and
// end-user, as Istio's tracing and routing need), and logs one line per request
// (JSON or text) carrying the request id. VERSION, ERROR_RATE and LATENCY_MS make
// versions behave differently so canaries and faults are visible. It uses only the
// standard library so it builds offline.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// version is set at build time with -ldflags "-X main.version=v2"; VERSION overrides it.
var version = "v1"

type config struct {
	service   string
	version   string
	port      string
	upstreams []string
	errorRate float64
	latency   time.Duration
	jsonLogs  bool
	dbAddress string
	jwtSecret string
}

func env(key, fallback string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return fallback
}

func loadConfig() config {
	c := config{
		service:  env("SERVICE_NAME", "demo"),
		version:  env("VERSION", version),
		port:     env("PORT", "5000"),
		jsonLogs: env("LOG_FORMAT", "json") == "json",
	}
	for _, u := range strings.Split(env("UPSTREAMS", ""), ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.upstreams = append(c.upstreams, u)
		}
	}
	c.errorRate, _ = strconv.ParseFloat(env("ERROR_RATE", "0"), 64)
	ms, _ := strconv.Atoi(env("LATENCY_MS", "5"))
	c.latency = time.Duration(ms) * time.Millisecond
	if dsn := os.Getenv("DATABASE_URL"); dsn != "" {
		if u, err := url.Parse(dsn); err == nil {
			c.dbAddress = u.Host
		}
	}
	c.jwtSecret = os.Getenv("JWT_SECRET")
	return c
}

func (c config) logRequest(r *http.Request, status int, took time.Duration, msg string) {
	rid := r.Header.Get("x-request-id")
	if c.jsonLogs {
		line, _ := json.Marshal(map[string]interface{}{
			"ts": time.Now().UTC().Format(time.RFC3339Nano), "level": levelFor(status), "msg": msg,
			"service": c.service, "version": c.version, "method": r.Method, "path": r.URL.Path,
			"status": status, "duration_ms": took.Milliseconds(), "request_id": rid,
		})
		fmt.Println(string(line))
		return
	}
	log.Printf("%s %s %s %s %d %dms request_id=%s %s", levelFor(status), c.service, r.Method, r.URL.Path, status,
		took.Milliseconds(), rid, msg)
}

func levelFor(status int) string {
	switch {
	case status >= 500:
		return "error"
	case status >= 400:
		return "warn"
	}
	return "info"
}

func (c config) dbReachable() bool {
	if c.dbAddress == "" {
		return true
	}
	conn, err := net.DialTimeout("tcp", c.dbAddress, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func (c config) healthz(w http.ResponseWriter, r *http.Request) {
	status := http.StatusOK
	db := "not configured"
	if c.dbAddress != "" {
		db = "ok"
		if !c.dbReachable() {
			db, status = "unreachable", http.StatusServiceUnavailable
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"status": http.StatusText(status), "service": c.service,
		"version": c.version, "db": db})
}

var client = &http.Client{Timeout: 5 * time.Second}

func (c config) callUpstream(r *http.Request, target string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	for _, h := range []string{"x-request-id", "end-user", "x-b3-traceid", "x-b3-spanid", "traceparent"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

func (c config) api(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	time.Sleep(c.latency)
	status := http.StatusOK
	msg := "served"
	calls := map[string]int{}
	for _, target := range c.upstreams {
		code, err := c.callUpstream(r, target)
		calls[target] = code
		if err != nil || code >= 500 {
			status, msg = http.StatusBadGateway, fmt.Sprintf("upstream %s failed", target)
		}
	}
	if status == http.StatusOK && rand.Float64() < c.errorRate {
		status, msg = http.StatusInternalServerError, "injected application error"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]interface{}{"service": c.service, "version": c.version,
		"host": env("HOSTNAME", ""), "upstreams": calls})
	c.logRequest(r, status, time.Since(started), msg)
}

func main() {
	c := loadConfig()
	if c.jwtSecret == "" {
		log.Printf("warning: JWT_SECRET is not set")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/healthz", c.healthz)
	mux.HandleFunc("/", c.api)
	log.Printf("%s %s listening on :%s", c.service, c.version, c.port)
	log.Fatal(http.ListenAndServe(":"+c.port, mux))
}
