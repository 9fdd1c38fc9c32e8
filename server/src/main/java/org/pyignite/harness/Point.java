package org.pyignite.harness;

/** A plain object the {@code objects} and {@code counter} services take and return (a binary object on the wire). */
public class Point {
    public int x;
    public int y;
    public String label;

    public Point() {
    }

    public Point(int x, int y, String label) {
        this.x = x;
        this.y = y;
        this.label = label;
    }

    @Override
    public String toString() {
        return "Point(" + x + ", " + y + ", " + label + ")";
    }
}
