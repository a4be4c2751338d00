package dev.etlkit.operators.json;

import dev.etlkit.core.JavaTimeTypeInfoFactory;
import java.time.LocalDateTime;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/** A top-level Java record. */
// tag::json-record-type[]
public record Shipment(
    String shipmentId,
    int pieces,
    double weightKg,
    @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDateTime shippedAt) {}
// end::json-record-type[]
