package dev.etlkit.operators.enrich.join;

import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** A row of the customers dimension table (a Java record: Flink's POJO serializer, no Kryo). */
public record Customer(@Nullable String id, String name, String tier) {
  public static final TypeInformation<Customer> TYPE_INFO = TypeInformation.of(Customer.class);
}
