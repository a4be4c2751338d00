package dev.etlkit.benchmarks.format;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The SQL type {@code DECIMAL(precision, scale)} of a {@code BigDecimal} component of a data-model
 * record ({@link DataModel}): Avro's {@code decimal} logical type of the same precision and scale
 * on {@code bytes}. Every value of the component has exactly that scale.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
@interface Decimal {
  int precision();

  int scale();
}
