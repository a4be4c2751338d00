package dev.etlkit.operators.enrich.http;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The metrics of one opened {@link HttpLookup}, in the group {@value #GROUP} below the step's
 * metric group: requests in flight and requests turned away at the limit.
 */
final class HttpLookupMetrics {
  static final String GROUP = "httpLookup";
  static final String IN_FLIGHT_REQUESTS = "inFlightRequests";
  static final String REJECTED_REQUESTS = "rejectedRequests";

  private final Counter rejected;

  HttpLookupMetrics(MetricGroup parent, AtomicInteger inFlight) {
    MetricGroup group = parent.addGroup(GROUP);
    group.gauge(IN_FLIGHT_REQUESTS, (Gauge<Integer>) inFlight::get);
    this.rejected = group.counter(REJECTED_REQUESTS);
  }

  void rejected() {
    rejected.inc();
  }
}
