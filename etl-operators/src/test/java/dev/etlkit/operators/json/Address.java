package dev.etlkit.operators.json;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/** A nested Flink POJO with a field required by annotation. */
public class Address {
  public String street;

  @JsonProperty(required = true)
  public String city;

  public Address() {}

  public Address(String street, String city) {
    this.street = street;
    this.city = city;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Address
        && Objects.equals(street, ((Address) o).street)
        && Objects.equals(city, ((Address) o).city);
  }

  @Override
  public int hashCode() {
    return Objects.hash(street, city);
  }

  @Override
  public String toString() {
    return "Address{" + street + ", " + city + "}";
  }
}
