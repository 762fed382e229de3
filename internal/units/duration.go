package units

import (
	"fmt"
	"time"
)

// HumanDuration returns d as Docker prints it in "Up 4 minutes" or
// "2 weeks ago": "Less than a second", "1 second", "About a minute",
// "About an hour", then counts of hours, days, weeks, months and years,
// with go-units' thresholds exactly.
func HumanDuration(d time.Duration) string {
	if seconds := int(d.Seconds()); seconds < 1 {
		return "Less than a second"
	} else if seconds == 1 {
		return "1 second"
	} else if seconds < 60 {
		return fmt.Sprintf("%d seconds", seconds)
	}
	if minutes := int(d.Minutes()); minutes == 1 {
		return "About a minute"
	} else if minutes < 60 {
		return fmt.Sprintf("%d minutes", minutes)
	}
	return humanHours(d)
}

// humanHours covers an hour and more; hours round to the nearest.
func humanHours(d time.Duration) string {
	const day, week, month, year = 24, 24 * 7, 24 * 30, 24 * 365
	hours := int(d.Hours() + 0.5)
	switch {
	case hours == 1:
		return "About an hour"
	case hours < 48:
		return fmt.Sprintf("%d hours", hours)
	case hours < 2*week:
		return fmt.Sprintf("%d days", hours/day)
	case hours < 2*month:
		return fmt.Sprintf("%d weeks", hours/week)
	case hours < 2*year:
		return fmt.Sprintf("%d months", hours/month)
	}
	return fmt.Sprintf("%d years", int(d.Hours())/year)
}

// Ago returns how long before now t was, as the CREATED column of
// `docker ps` shows it: "6 seconds ago". Like the Docker API, which reports
// creation times in whole seconds, t is first truncated to the second.
func Ago(t, now time.Time) string {
	return HumanDuration(now.Sub(t.Truncate(time.Second))) + " ago"
}
