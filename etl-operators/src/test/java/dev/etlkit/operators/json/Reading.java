package dev.etlkit.operators.json;

import dev.etlkit.core.JavaTimeTypeInfoFactory;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/** A POJO with one field of every coercible type, for coercion tests. */
public class Reading {
  public String sensor;
  public int count;
  public Long total;
  public Double ratio;
  public BigDecimal price;
  public Boolean ok;
  public String label;

  @TypeInfo(JavaTimeTypeInfoFactory.class)
  public LocalDate day;

  @TypeInfo(JavaTimeTypeInfoFactory.class)
  public LocalDateTime at;

  public Instant ts;

  public Reading() {}

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Reading)) {
      return false;
    }
    Reading r = (Reading) o;
    return count == r.count
        && Objects.equals(sensor, r.sensor)
        && Objects.equals(total, r.total)
        && Objects.equals(ratio, r.ratio)
        && Objects.equals(price, r.price)
        && Objects.equals(ok, r.ok)
        && Objects.equals(label, r.label)
        && Objects.equals(day, r.day)
        && Objects.equals(at, r.at)
        && Objects.equals(ts, r.ts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sensor, count, total);
  }

  @Override
  public String toString() {
    return "Reading{" + sensor + "}";
  }
}
