package units

import (
	"testing"
	"time"
)

func TestHumanDuration(t *testing.T) {
	const (
		day   = 24 * time.Hour
		week  = 7 * day
		month = 30 * day
		year  = 365 * day
	)
	tests := []struct {
		d    time.Duration
		want string
	}{
		{450 * time.Millisecond, "Less than a second"},
		{-5 * time.Second, "Less than a second"},
		{time.Second, "1 second"},
		{1900 * time.Millisecond, "1 second"},
		{4 * time.Second, "4 seconds"},
		{59 * time.Second, "59 seconds"},
		{60 * time.Second, "About a minute"},
		{119 * time.Second, "About a minute"},
		{2 * time.Minute, "2 minutes"},
		{35*time.Minute + 40*time.Second, "35 minutes"},
		{59 * time.Minute, "59 minutes"},
		{time.Hour, "About an hour"},
		{time.Hour + 29*time.Minute, "About an hour"},
		{time.Hour + 31*time.Minute, "2 hours"},
		{3 * time.Hour, "3 hours"},
		{3*time.Hour + 31*time.Minute, "4 hours"},
		{day, "24 hours"},
		{day + 12*time.Hour, "36 hours"},
		{2 * day, "2 days"},
		{13*day + 5*time.Hour, "13 days"},
		{2 * week, "2 weeks"},
		{3 * week, "3 weeks"},
		{month, "4 weeks"},
		{month + 2*week, "6 weeks"},
		{2 * month, "2 months"},
		{4 * month, "4 months"},
		{24 * month, "24 months"},
		{24*month + 2*week, "2 years"},
		{3*year + 2*month, "3 years"},
	}
	for _, tt := range tests {
		if got := HumanDuration(tt.d); got != tt.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 300e6, time.UTC)
	tests := []struct {
		t    time.Time
		want string
	}{
		{now.Add(-6 * time.Second), "6 seconds ago"},
		// Created at 11:59:58.9 is reported by the API as 11:59:58.
		{now.Add(-1400 * time.Millisecond), "2 seconds ago"},
		{now.Add(-3 * time.Minute), "3 minutes ago"},
		{now.Add(-2 * time.Hour), "2 hours ago"},
		{now, "Less than a second ago"},
	}
	for _, tt := range tests {
		if got := Ago(tt.t, now); got != tt.want {
			t.Errorf("Ago(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}
