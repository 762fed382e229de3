// Command udpecho answers every UDP datagram on the port given with a
// prefix ("echo: " unless given) and the datagram: a UDP server for
// tests, since Debian's busybox has none.
package main

import (
	"log"
	"net"
	"os"
)

func main() {
	conn, err := net.ListenPacket("udp4", ":"+os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	prefix := "echo: "
	if len(os.Args) > 2 {
		prefix = os.Args[2]
	}
	buf := make([]byte, 2048)
	for {
		n, addr, err := conn.ReadFrom(buf)
		if err != nil {
			log.Fatal(err)
		}
		conn.WriteTo(append([]byte(prefix), buf[:n]...), addr)
	}
}
