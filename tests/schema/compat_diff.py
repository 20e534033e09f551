#!/usr/bin/python3
"""
Differential test of `gcb-schema check` against python3-avro's
ReaderWriterCompatibilityChecker (a port of Java's SchemaCompatibility).

Generates random record schemas (seeded), mutates them the ways schemas
evolve (promotions, union widening/narrowing, enum symbols, added/removed
fields with and without defaults, renames with aliases, fixed sizes), and
checks both directions with both implementations.

usage: compat_diff.py GCB_SCHEMA SEED COUNT    exit 0 when all verdicts agree
"""
import random, json, copy, subprocess, sys, os, tempfile, warnings
import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
warnings.simplefilter('ignore')
PRIMS=['null','boolean','int','long','float','double','bytes','string']
S=sys.argv[1]
rnd=random.Random(int(sys.argv[2]))
cnt=[0]
def name(p):
    cnt[0]+=1; return p+str(cnt[0])
def gen(depth, named):
    r=rnd.random()
    if depth>2 or r<0.45: return rnd.choice(PRIMS)
    if r<0.55: return {'type':'array','items':gen(depth+1,named)}
    if r<0.62: return {'type':'map','values':gen(depth+1,named)}
    if r<0.72:
        br=[]; kinds=set()
        for _ in range(rnd.randint(1,3)):
            t=rnd.choice(PRIMS)
            if t not in kinds: kinds.add(t); br.append(t)
        return br
    if r<0.8:
        n=name('E'); named.append(n)
        return {'type':'enum','name':n,'symbols':rnd.sample(['A','B','C','D'],rnd.randint(1,4))}
    if r<0.86:
        n=name('F'); named.append(n)
        return {'type':'fixed','name':n,'size':rnd.choice([4,8,16])}
    n=name('R'); named.append(n)
    return {'type':'record','name':n,'fields':[{'name':'f%d'%i,'type':gen(depth+1,named)} for i in range(rnd.randint(0,3))]}
PROMO={'int':['long','float','double'],'long':['float','double'],'float':['double'],'string':['bytes'],'bytes':['string']}
def mutate(t):
    # returns mutated copy
    t=copy.deepcopy(t)
    def walk(x):
        if isinstance(x,str):
            r=rnd.random()
            if r<0.15 and x in PROMO: return rnd.choice(PROMO[x])
            if r<0.2: return rnd.choice(PRIMS)
            if r<0.25: return ['null',x] if x!='null' else x
            return x
        if isinstance(x,list):
            r=rnd.random()
            if r<0.2 and len(x)>1: x=x[:-1]
            elif r<0.4:
                c=[p for p in PRIMS if p not in x]
                if c: x=x+[rnd.choice(c)]
            elif r<0.5 and len(x)==1: return x[0]
            return [walk(b) if not isinstance(b,list) else b for b in x]
        if x['type'] in ('array',): x['items']=walk(x['items'])
        elif x['type']=='map': x['values']=walk(x['values'])
        elif x['type']=='enum':
            r=rnd.random()
            if r<0.3: x['symbols']=x['symbols']+[s for s in ['X'] if s not in x['symbols']]
            elif r<0.5 and len(x['symbols'])>1: x['symbols']=x['symbols'][1:]
            if rnd.random()<0.2: x['default']=x['symbols'][0]
            if rnd.random()<0.1: x['aliases']=[x['name']]; x['name']=x['name']+'x'
        elif x['type']=='fixed':
            if rnd.random()<0.2: x['size']=x['size']*2
            if rnd.random()<0.1: x['name']=x['name']+'y'
        elif x['type']=='record':
            fs=x['fields']
            for f in fs: f['type']=walk(f['type'])
            r=rnd.random()
            if r<0.2 and fs: fs.pop(rnd.randrange(len(fs)))
            elif r<0.4:
                nf={'name':'n%d'%rnd.randint(0,99),'type':rnd.choice(['int','string','null'])}
                if rnd.random()<0.5: nf['default']={'int':0,'string':'','null':None}[nf['type']]
                if all(f['name']!=nf['name'] for f in fs): fs.append(nf)
            elif r<0.5 and fs:
                f=fs[0]; f['aliases']=[f['name']]; f['name']=f['name']+'z'
            if rnd.random()<0.05: x['aliases']=[x['name']]; x['name']=x['name']+'w'
        return x
    return walk(t)
tmp=tempfile.mkdtemp(prefix='gcb-compat-diff-%d-' % os.getpid())
bad=0
n=agree=0; dis=0
for it in range(int(sys.argv[3])):
    cnt[0]=0
    old={'type':'record','name':'Top','fields':[{'name':'f%d'%i,'type':gen(0,[])} for i in range(rnd.randint(1,4))]}
    new=mutate(old)
    a=json.dumps(old); b=json.dumps(new)
    open(tmp+'/a.avsc','w').write(a); open(tmp+'/b.avsc','w').write(b)
    if subprocess.run([S,'lint',tmp+'/a.avsc'],capture_output=True).returncode:
        print('generated schema fails lint:', a); bad+=1; continue
    if subprocess.run([S,'lint',tmp+'/b.avsc'],capture_output=True).returncode:
        continue  # a mutation may nest unions or repeat a branch: lint's job, not ours
    try:
        sa=avro.schema.parse(a); sb=avro.schema.parse(b)
    except Exception as e:
        print('python3-avro rejects a schema gcb-schema accepts:', e); bad+=1; continue
    for (w,r,wf,rf,wt,rt) in ((sa,sb,'a','b',a,b),(sb,sa,'b','a',b,a)):
        n+=1
        m=subprocess.run([S,'check',tmp+'/'+wf+'.avsc',tmp+'/'+rf+'.avsc'],capture_output=True)
        py=ReaderWriterCompatibilityChecker().get_compatibility(r,w).compatibility==SchemaCompatibilityType.compatible
        if (m.returncode==0)==py: agree+=1
        else:
            dis+=1
            if dis<=6: print('DISAGREE py=',py,'\n W',wt,'\n R',rt,'\n mine',m.stdout.decode()[:500])
for p in ('a.avsc','b.avsc'):
    if os.path.exists(os.path.join(tmp,p)): os.unlink(os.path.join(tmp,p))
os.rmdir(tmp)
print('pairs',n,'agree',agree,'disagree',dis)
sys.exit(1 if dis or bad or n==0 else 0)
