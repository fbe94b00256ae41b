"""The avatar's pose in the vertex shader (issue 13): body parts, their pivots, and the GLSL that turns them.

Shared by client/figures.py (which numbers each vertex's part) and client/lighting.py (which puts the pose in
front of its vertex shaders); kept apart from both so neither imports the other.
"""

from __future__ import annotations

SEAT_HEIGHT = 0.45
"""Height of a chair's seat (metres), as client/figures.py draws it."""

BODY, HEAD, ARM_L, ARM_R, THIGH_L, THIGH_R, SHIN_L, SHIN_R, MOUTH = range(9)
BLEND = 0.2  # seconds from one pose to the next
HIP_Z, KNEE_Z, SHOULDER_Z, HEAD_Z = 0.84, 0.45, 1.3, 1.52
HIP_X, SHOULDER_X = 0.085, 0.2
MOUTH_Y, MOUTH_Z = 0.118, 1.465

POSE_GLSL = """
uniform float osg_FrameTime;
uniform vec4 pose_from;   // walk, sit, hand, wave
uniform vec4 pose_to;
uniform vec4 motion;      // x: blend start (s), y: walk phase, z: steps per second, w: speaking (0..1)
in float part;
const float HIP_Z = %(HIP_Z)s, KNEE_Z = %(KNEE_Z)s, SHOULDER_Z = %(SHOULDER_Z)s, SEAT_Z = %(SEAT)s;
const float MOUTH_Y = %(MOUTH_Y)s, MOUTH_Z = %(MOUTH_Z)s;
mat3 rx(float a) { float c = cos(a), s = sin(a); return mat3(1.0, 0.0, 0.0, 0.0, c, s, 0.0, -s, c); }
mat3 ry(float a) { float c = cos(a), s = sin(a); return mat3(c, 0.0, -s, 0.0, 1.0, 0.0, s, 0.0, c); }
void pose(inout vec3 v, inout vec3 n) {
    float k = clamp((osg_FrameTime - motion.x) / %(BLEND)s, 0.0, 1.0);
    vec4 p = mix(pose_from, pose_to, k * k * (3.0 - 2.0 * k));
    float cycle = sin(6.2831853 * (osg_FrameTime * motion.z * 0.5 + motion.y));
    float swing = p.x * cycle * 0.5;
    int i = int(part + 0.5);
    float side = (i == 2 || i == 4 || i == 6) ? -1.0 : 1.0;
    mat3 r = mat3(1.0);
    vec3 pivot = vec3(0.0);
    if (i == 4 || i == 5 || i == 6 || i == 7) {          // legs
        float thigh = side * swing + p.y * 1.5708;
        vec3 hip = vec3(v.x > 0.0 ? %(HIP_X)s : -%(HIP_X)s, 0.0, HIP_Z);
        if (i >= 6) {
            float knee = -p.y * 1.5708 - p.x * max(0.0, -side * cycle) * 0.6;
            vec3 kp = vec3(hip.x, 0.0, KNEE_Z);
            mat3 rk = rx(knee);
            v = kp + rk * (v - kp);
            n = rk * n;
        }
        r = rx(thigh);
        pivot = hip;
    } else if (i == 2 || i == 3) {                        // arms
        float pitch = -side * swing * 0.8 + p.y * 0.45;
        float roll = 0.0;
        if (i == 3) {
            pitch = mix(pitch, 2.97, p.z);
            pitch = mix(pitch, 2.6, p.w);
            roll = p.w * 0.35 * sin(osg_FrameTime * 7.0);
        }
        r = ry(roll) * rx(pitch);
        pivot = vec3(side * %(SHOULDER_X)s, 0.0, SHOULDER_Z);
    } else if (i == 8) {                                  // the mouth opens and closes while speaking
        float open = mix(0.35, 0.5 + 0.9 * abs(sin(osg_FrameTime * 9.0)), motion.w);
        v.z = MOUTH_Z + (v.z - MOUTH_Z) * open;
    }
    v = pivot + r * (v - pivot);
    n = r * n;
    v.z -= p.y * (HIP_Z - SEAT_Z);                        // sitting lowers the hips onto the seat
}
"""
for _name, _value in {"HIP_Z": HIP_Z, "KNEE_Z": KNEE_Z, "SHOULDER_Z": SHOULDER_Z, "SEAT": SEAT_HEIGHT + 0.04,
                      "BLEND": BLEND, "HIP_X": HIP_X, "SHOULDER_X": SHOULDER_X, "MOUTH_Y": MOUTH_Y,
                      "MOUTH_Z": MOUTH_Z}.items():
    POSE_GLSL = POSE_GLSL.replace(f"%({_name})s", f"{_value:.4f}")
