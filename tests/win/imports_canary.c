/* Built only to prove that scripts/check-imports.sh fails on APIs newer than the
 * target: this program imports a Vista function and bcrypt.dll on purpose. */
#include <windows.h>
#include <bcrypt.h>

#include <stdio.h>

int main(void)
{
    unsigned char b[4];

    BCryptGenRandom(NULL, b, sizeof(b), BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    printf("%llu %u\n", (unsigned long long)GetTickCount64(), b[0]);
    return 0;
}
