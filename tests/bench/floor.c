/* The libpcap read floor for `make bench`: reads every packet of a capture
 * and touches each of its bytes (a sum, printed so that it is not optimised
 * away), nothing more. mailtap's speed is measured as a ratio to this. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: floor CAPTURE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "floor: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t sum = 0, packets = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        packets++;
        for (uint32_t i = 0; i < h->caplen; i++)
            sum += d[i];
    }
    printf("%llu packets, sum %llu\n", (unsigned long long)packets, (unsigned long long)sum);
    pcap_close(p);
    return rc == PCAP_ERROR ? 1 : 0;
}
