package dev.etlkit.core;

import java.util.Objects;

/** A Flink POJO for tests: public fields, a public no-argument constructor. */
public class Customer {
  public long id;
  public String name;
  public Integer credit;

  public Customer() {}

  public Customer(long id, String name, Integer credit) {
    this.id = id;
    this.name = name;
    this.credit = credit;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Customer)) {
      return false;
    }
    Customer that = (Customer) o;
    return id == that.id && Objects.equals(name, that.name) && Objects.equals(credit, that.credit);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, name, credit);
  }

  @Override
  public String toString() {
    return "Customer{" + id + ", " + name + ", " + credit + "}";
  }
}
